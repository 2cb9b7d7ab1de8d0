"""The customer 360 data set: contacts in the contacts service, their whole record in the gateway's store.

Accounts are created through ``contacts.create_account`` (their ``account.created`` events
fill the gateway's ``customer_accounts`` the way they always do). Contacts are written in
process with the contacts service's own ``ContactCreateSchema``, ``new_contact`` and
``ContactRepository.add_many`` (as ``bench.search`` does), each with its aggregate sequence
at 1 (its ``contact.created``), so that a later change through the API is sequence 2.

The gateway's store gets, per contact, the rows its event handlers write
(``crm_gateway.service_layer.customer_record``): the ``contact`` part (``present.contact``,
what ``contact.created`` carries), ``consents`` (``consent.changed``'s state), ``sales`` and
``support`` (their ``customer_summary.updated``), and about ten timeline entries (events
whose data names the contact: interactions, consent changes, opportunities, orders,
tickets, CSAT). Rows go in with COPY into the gateway's own tables, columns as those
tables define them; a sample of the summaries is loaded with the contract schemas to prove
their shape. A ``marketing`` part (segments, campaigns received, responses) is stored only
when a marketing service is installed; without one, that part is always unavailable.
"""

from __future__ import annotations

import io
import json
import random
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench import datagen
from bench.harness import Suite, log
from crm_shared.db import normalise_url

BATCH = 5_000
NOW = datetime.now(UTC).replace(microsecond=0)
STAGES = ("Qualification", "Discovery", "Proposal", "Negotiation")
PRODUCTS = ("Platform licence", "Support plan", "Onboarding", "Analytics add-on", "Extra seats")
SUBJECTS = (
    "Cannot log in after password reset", "Invoice shows the wrong VAT rate", "Export to CSV times out",
    "How do I add a user?", "Webhook deliveries failing", "Dashboard loads slowly", "Change billing contact",
)  # fmt: skip
SUMMARIES = (
    "Intro call, interested in the analytics add-on", "Sent the proposal and pricing sheet",
    "Quarterly business review", "Asked about SSO and audit logs", "Left a voicemail", "Renewal discussion",
)  # fmt: skip


def seed(the_suite: Suite, count: int, account_count: int, timeline_per_contact: int) -> dict[str, Any]:
    """Writes the data set; returns the timings, row counts and every contact id (as strings)."""
    timing: dict[str, Any] = {}
    started = time.monotonic()
    account_ids = _create_accounts(the_suite, account_count)
    timing["accounts_via_rpc_s"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    contact_ids = _write_contacts(the_suite, count, account_ids, timeline_per_contact)
    timing["contacts_and_records_s"] = round(time.monotonic() - started, 2)
    timing["accounts_in_gateway_after_s"] = _wait_for_accounts(the_suite, account_count)
    started = time.monotonic()
    timing["rows"] = _analyze(the_suite)
    timing["analyze_s"] = round(time.monotonic() - started, 2)
    log(f"seeded {count} contacts and their records: {timing}")
    return {"timing": timing, "contact_ids": contact_ids}


def _create_accounts(the_suite: Suite, count: int) -> dict[str, str]:
    ids: dict[str, str] = {}
    with the_suite.rpc(timeout=60) as rpc:
        for company in datagen.companies(count):
            answer = rpc.contacts.create_account(
                {
                    "name": company.name,
                    "domain": company.domain,
                    "industry": "Software",
                    "size": "51-200",
                    "address": {
                        "street": company.street,
                        "city": company.city,
                        "region": company.region,
                        "postal_code": company.postal_code,
                        "country": "US",
                    },
                }
            )
            ids[company.name] = answer["id"]
    return ids


def _write_contacts(the_suite: Suite, count: int, account_ids: dict[str, str], timeline_per_contact: int) -> list[str]:
    from crm_cli.contacts_csv import row_to_contact
    from crm_contacts.domain.model import new_contact
    from crm_shared.contracts.contacts import ContactCreateSchema

    schema = ContactCreateSchema()
    contacts_engine = sa.create_engine(normalise_url(the_suite.contacts_url))
    gateway_engine = sa.create_engine(normalise_url(the_suite.gateway_url))
    rng = random.Random(360)
    first_created = NOW - timedelta(days=730)
    step = timedelta(days=730) / count
    ids: list[str] = []
    batch: list[Any] = []
    for index, flat in enumerate(datagen.flat_rows(count, company_count=len(account_ids))):
        row = row_to_contact(flat)
        if rng.random() < 0.85:  # most contacts work at a known account
            row["account_id"] = account_ids[flat["custom.company"]]
        batch.append(new_contact(schema.load({"provenance": "imported", **row}), first_created + step * index, "US"))
        if len(batch) == BATCH:
            ids += _write_batch(contacts_engine, gateway_engine, batch, rng, timeline_per_contact)
            batch = []
    if batch:
        ids += _write_batch(contacts_engine, gateway_engine, batch, rng, timeline_per_contact)
    contacts_engine.dispose()
    gateway_engine.dispose()
    return ids


def _write_batch(
    contacts_engine: sa.Engine, gateway_engine: sa.Engine, batch: list[Any], rng: random.Random, per_contact: int
) -> list[str]:
    from crm_contacts.adapters.contacts_repository import ContactRepository
    from crm_contacts.adapters.tables import plumbing as contacts_plumbing
    from crm_contacts.service_layer import present
    from crm_gateway.adapters.tables import customer_parts, timeline_entries

    with contacts_engine.begin() as conn:
        ContactRepository(conn).add_many(batch)
        # Each contact's contact.created was sequence 1: a change through the API is sequence 2.
        conn.execute(
            contacts_plumbing.sequences.insert(), [{"aggregate_id": str(c.id), "last_sequence": 1} for c in batch]
        )
    parts: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    pools = _pools()
    for contact in batch:
        shown = present.contact(contact)
        parts += _parts(contact.id, shown, rng, pools)
        timeline += _timeline(contact.id, rng, per_contact, pools)
    with gateway_engine.begin() as conn:
        copy_rows(conn, customer_parts, parts)
        copy_rows(conn, timeline_entries, timeline)
    return [str(c.id) for c in batch]


# Summaries and event data are drawn from pools of a few thousand varied ones, serialised once,
# with the contact's id (and the event's own aggregate id) put in: JSON encoding per row
# would make the seeding the slowest part of the benchmark.
CONTACT_SLOT = "c0c0c0c0-0000-4000-8000-00000000c0c0"
AGGREGATE_SLOT = "a9a9a9a9-0000-4000-8000-00000000a9a9"
POOL_SIZE = 2_000
_POOLS: dict[str, Any] = {}


def _pools() -> dict[str, Any]:
    if not _POOLS:
        rng = random.Random(7)
        shown = {"account_id": None, "owner": datagen.OWNERS[0]}
        _POOLS["sales"] = [json.dumps(sales_summary(CONTACT_SLOT, rng)) for _ in range(POOL_SIZE)]
        _POOLS["support"] = [json.dumps(support_summary(CONTACT_SLOT, rng)) for _ in range(POOL_SIZE)]
        _POOLS["marketing"] = [json.dumps(marketing_summary(CONTACT_SLOT, rng)) for _ in range(POOL_SIZE)]
        events = []
        for _ in range(POOL_SIZE):
            at = NOW - timedelta(seconds=rng.randint(60, 700 * 86_400))
            service, event_type, aggregate_id, data = rng.choice(_EVENTS)(CONTACT_SLOT, shown, at, rng)
            text = json.dumps(data)
            if aggregate_id != CONTACT_SLOT:
                text, aggregate_id = text.replace(aggregate_id, AGGREGATE_SLOT), AGGREGATE_SLOT
            events.append((service, event_type, aggregate_id, text))
        _POOLS["events"] = events
        _POOLS["with_marketing"] = marketing_installed()
    return _POOLS


def marketing_installed() -> bool:
    """Whether a marketing service runs in the suite: then its part is stored too, as its events would."""
    from crm_shared.service_plugin import installed_services

    return any(plugin.name == "marketing" for plugin in installed_services())


def _new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _parts(
    contact_id: uuid.UUID, shown: dict[str, Any], rng: random.Random, pools: dict[str, Any]
) -> list[dict[str, Any]]:
    cid = str(contact_id)
    consents = consent_state(rng, datetime.fromisoformat(shown["created_at"]))
    common = {"contact_id": cid}
    return [
        {**common, "part": "contact", "data": shown, "sequence": 1, "as_of": shown["updated_at"],
         "account_id": shown.get("account_id")},
        {**common, "part": "consents", "data": {"state": consents}, "sequence": 1,
         "as_of": max((c["since"] for c in consents), default=shown["created_at"])},
        {**common, "part": "sales", "data": rng.choice(pools["sales"]).replace(CONTACT_SLOT, cid),
         "sequence": rng.randint(1, 40), "as_of": _ago(rng, 90)},
        {**common, "part": "support", "data": rng.choice(pools["support"]).replace(CONTACT_SLOT, cid),
         "sequence": rng.randint(1, 30), "as_of": _ago(rng, 60)},
    ] + ([
        {**common, "part": "marketing", "data": rng.choice(pools["marketing"]).replace(CONTACT_SLOT, cid),
         "sequence": rng.randint(1, 30), "as_of": _ago(rng, 30)},
    ] if pools["with_marketing"] else [])  # fmt: skip


# ---------------------------------------------------------------- the parts


def _ago(rng: random.Random, days: int) -> str:
    return (NOW - timedelta(seconds=rng.randint(60, days * 86_400))).isoformat()


def _money(rng: random.Random, low: int, high: int) -> dict[str, str]:
    return {"amount": f"{rng.randint(low, high)}.{rng.randint(0, 99):02d}", "currency": "EUR"}


def consent_state(rng: random.Random, created_at: datetime) -> list[dict[str, Any]]:
    granted = rng.sample(("email_marketing", "phone_marketing", "profiling"), k=rng.choice((0, 1, 1, 2, 3)))
    since = created_at + timedelta(days=rng.randint(0, 30))
    return [
        {"purpose": purpose, "channel": "email" if purpose == "email_marketing" else "any",
         "granted": rng.random() < 0.85, "since": since.isoformat()}
        for purpose in granted
    ]  # fmt: skip


def sales_summary(contact_id: str, rng: random.Random) -> dict[str, Any]:
    opportunities = [
        {
            "id": str(uuid.uuid4()),
            "name": f"{rng.choice(PRODUCTS)} - {rng.choice(('new', 'renewal', 'upsell'))}",
            "pipeline_id": "8a1c8a6e-5b55-4a3e-9a53-6ae9a6d1f001",
            "stage": rng.choice(STAGES),
            "amount": _money(rng, 2_000, 80_000),
            "probability": rng.choice((10, 20, 40, 60, 80)),
            "expected_close_date": (date.today() + timedelta(days=rng.randint(5, 120))).isoformat(),
            "owner": rng.choice(datagen.OWNERS),
        }
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))
    ]
    order_count = rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 12))
    orders = sorted(
        ({"id": str(uuid.uuid4()), "ordered_at": _ago(rng, 700), "total": _money(rng, 100, 20_000)}
         for _ in range(min(order_count, 10))),
        key=lambda order: order["ordered_at"], reverse=True,
    )  # fmt: skip
    value = sum(float(order["total"]["amount"]) for order in orders)
    return {
        "contact_id": contact_id,
        "open_opportunities": opportunities,
        "won_count": rng.choice((0, 0, 1, 2, 4)),
        "lost_count": rng.choice((0, 0, 1, 3)),
        "order_count": order_count,
        "recent_orders": orders,
        "lifetime_value": [{"amount": f"{value:.2f}", "currency": "EUR"}],
        "last_order_at": orders[0]["ordered_at"] if orders else None,
        "rfm": _rfm(rng) if orders else None,
    }


def _rfm(rng: random.Random) -> dict[str, Any]:
    scores = [rng.randint(1, 5) for _ in range(3)]
    tier = ("bronze", "bronze", "silver", "gold", "platinum")[round(sum(scores) / 3) - 1]
    return {"recency": scores[0], "frequency": scores[1], "monetary": scores[2], "tier": tier,
            "computed_at": _ago(rng, 1)}  # fmt: skip


def _ticket(rng: random.Random, solved: bool) -> dict[str, Any]:
    created = NOW - timedelta(hours=rng.randint(1, 24 * 300))
    state = "met" if solved else rng.choice(("on_track", "on_track", "warning", "breached", "paused"))
    return {
        "id": str(uuid.uuid4()),
        "subject": rng.choice(SUBJECTS),
        "status": "solved" if solved else rng.choice(("new", "open", "pending")),
        "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
        "created_at": created.isoformat(),
        "solved_at": (created + timedelta(hours=rng.randint(1, 72))).isoformat() if solved else None,
        "sla": {
            "first_response_due_at": (created + timedelta(hours=4)).isoformat(),
            "resolution_due_at": (created + timedelta(hours=48)).isoformat(),
            "state": state,
        },
    }


def support_summary(contact_id: str, rng: random.Random) -> dict[str, Any]:
    open_tickets = [_ticket(rng, False) for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
    solved = sorted((_ticket(rng, True) for _ in range(rng.choice((0, 1, 2, 3, 5)))),
                    key=lambda t: t["solved_at"], reverse=True)  # fmt: skip
    csat_count = rng.randint(0, len(solved))
    return {
        "contact_id": contact_id,
        "open_tickets": open_tickets,
        "recent_solved": solved,
        "ticket_count": len(open_tickets) + len(solved) + rng.choice((0, 0, 2)),
        "average_csat": round(rng.uniform(2.5, 5.0), 2) if csat_count else None,
        "csat_count": csat_count,
    }


SEGMENTS = ("Newsletter readers", "Trial users", "Enterprise prospects", "Webinar attendees", "Churn risk")
CAMPAIGNS = ("Spring launch", "Product update", "Webinar invite", "Renewal reminder", "Customer stories")


def marketing_summary(contact_id: str, rng: random.Random) -> dict[str, Any]:
    campaigns = sorted(
        ({"campaign_id": str(uuid.uuid4()), "name": rng.choice(CAMPAIGNS), "channel": "email",
          "variant": rng.choice(("A", "B", None)), "sent_at": _ago(rng, 300)}
         for _ in range(rng.choice((0, 1, 2, 4, 6, 10)))),
        key=lambda campaign: campaign["sent_at"], reverse=True,
    )  # fmt: skip
    responses = [
        {"campaign_id": c["campaign_id"], "kind": rng.choice(("opened", "opened", "clicked", "converted")),
         "at": c["sent_at"]}
        for c in campaigns if rng.random() < 0.4
    ]  # fmt: skip
    segments = [{"id": str(uuid.uuid4()), "name": name} for name in rng.sample(SEGMENTS, k=rng.choice((0, 1, 2)))]
    return {"contact_id": contact_id, "segments": segments, "campaigns_received": campaigns,
            "responses": responses, "messages_sent": len(campaigns) + rng.choice((0, 0, 3))}  # fmt: skip


# ---------------------------------------------------------------- the timeline


def _timeline(contact_id: uuid.UUID, rng: random.Random, count: int, pools: dict[str, Any]) -> list[dict[str, Any]]:
    """``count`` entries (a few more or less), as ``add_to_timeline`` writes them."""
    entries = []
    cid = str(contact_id)
    for _ in range(max(1, count + rng.randint(-2, 2))):
        service, event_type, aggregate_id, text = rng.choice(pools["events"])
        own_id = str(_new_id(rng))
        entries.append(
            {"event_id": _new_id(rng), "contact_id": cid,
             "occurred_at": NOW - timedelta(seconds=rng.randint(60, 700 * 86_400)), "service": service,
             "type": event_type, "aggregate_id": cid if aggregate_id == CONTACT_SLOT else own_id,
             "data": text.replace(CONTACT_SLOT, cid).replace(AGGREGATE_SLOT, own_id)}
        )  # fmt: skip
    return entries


def _interaction(cid: str, shown: dict[str, Any], at: datetime, rng: random.Random) -> tuple[str, str, str, Any]:
    data = {"id": str(uuid.uuid4()), "contact_id": cid, "kind": rng.choice(("call", "email", "meeting", "note")),
            "direction": rng.choice(("inbound", "outbound")), "channel": None, "occurred_at": at.isoformat(),
            "summary": rng.choice(SUMMARIES), "actor": shown.get("owner")}  # fmt: skip
    return "contacts", "interaction.logged", cid, data


def _consent(cid: str, shown: dict[str, Any], at: datetime, rng: random.Random) -> tuple[str, str, str, Any]:
    change = {"purpose": "email_marketing", "channel": "email", "action": "grant", "source": "web form",
              "evidence": "double opt-in", "occurred_at": at.isoformat(), "recorded_at": at.isoformat()}  # fmt: skip
    state = [{"purpose": "email_marketing", "channel": "email", "granted": True, "since": at.isoformat()}]
    return "contacts", "consent.changed", cid, {"contact_id": cid, "change": change, "state": state}


def _opportunity(cid: str, shown: dict[str, Any], at: datetime, rng: random.Random) -> tuple[str, str, str, Any]:
    amount = _money(rng, 2_000, 80_000)
    opportunity_id = str(uuid.uuid4())
    data = {"id": opportunity_id, "name": f"{rng.choice(PRODUCTS)} - new", "pipeline_id": str(uuid.uuid4()),
            "stage_id": str(uuid.uuid4()), "stage": rng.choice(STAGES), "status": rng.choice(("open", "won", "lost")),
            "contact_id": cid, "account_id": shown.get("account_id"), "owner": shown.get("owner"), "amount": amount,
            "probability": 20, "expected_close_date": None, "next_step": "Send proposal",
            "products": [], "close_reason": None, "closed_at": None}  # fmt: skip
    kind = {"open": "opportunity.created", "won": "opportunity.won", "lost": "opportunity.lost"}[data["status"]]
    return "sales", kind, opportunity_id, data


def _order(cid: str, shown: dict[str, Any], at: datetime, rng: random.Random) -> tuple[str, str, str, Any]:
    order_id = str(uuid.uuid4())
    total = _money(rng, 100, 20_000)
    line = {"sku": "PLAT-1", "name": rng.choice(PRODUCTS), "quantity": 1, "unit_price": total}
    data = {"id": order_id, "contact_id": cid, "account_id": shown.get("account_id"), "opportunity_id": None,
            "owner": shown.get("owner"), "ordered_at": at.isoformat(), "lines": [line], "total": total}  # fmt: skip
    return "sales", "order.placed", order_id, data


def _ticket_event(cid: str, shown: dict[str, Any], at: datetime, rng: random.Random) -> tuple[str, str, str, Any]:
    ticket = _ticket(rng, rng.random() < 0.6)
    data = {**ticket, "contact_id": cid, "account_id": shown.get("account_id"), "channel": "email",
            "description": "Customer reports the problem since this morning.", "assignee": "agent@support.example.com",
            "team": "Tier 1", "tags": [], "version": 2}  # fmt: skip
    kind = "ticket.solved" if ticket["status"] == "solved" else "ticket.created"
    return "support", kind, ticket["id"], data


def _csat(cid: str, shown: dict[str, Any], at: datetime, rng: random.Random) -> tuple[str, str, str, Any]:
    ticket_id = str(uuid.uuid4())
    data = {"ticket_id": ticket_id, "contact_id": cid, "score": rng.randint(1, 5), "comment": None,
            "recorded_at": at.isoformat()}  # fmt: skip
    return "support", "ticket.csat_recorded", ticket_id, data


# Interactions are the most frequent entries; then sales and support events, then consent changes.
_EVENTS = (
    _interaction, _interaction, _interaction, _interaction, _opportunity, _order, _ticket_event, _ticket_event,
    _csat, _consent,
)  # fmt: skip


# ---------------------------------------------------------------- writing


def _cell(value: Any) -> str:
    """A value in COPY's text format: JSON documents as text, None as NULL, backslashes doubled."""
    if value is None:
        return "\\N"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    """COPY into ``table`` the rows as its columns name them (a missing or None cell is NULL)."""
    columns = [column.name for column in table.columns]
    text = "".join("\t".join(_cell(row.get(name)) for name in columns) + "\n" for row in rows)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


def check_shapes(sample: int = 200) -> None:
    """The generated summaries load with the contract schemas the services publish them with."""
    from crm_shared.contracts.summaries import MarketingSummarySchema, SalesSummarySchema, SupportSummarySchema

    rng = random.Random(1)
    for _ in range(sample):
        contact_id = str(uuid.uuid4())
        SalesSummarySchema().load(sales_summary(contact_id, rng))
        SupportSummarySchema().load(support_summary(contact_id, rng))
        MarketingSummarySchema().load(marketing_summary(contact_id, rng))


def _wait_for_accounts(the_suite: Suite, expected: int, timeout: float = 120.0) -> float | None:
    """Seconds until the gateway holds every account (from ``account.created``), or None."""
    engine = sa.create_engine(normalise_url(the_suite.gateway_url))
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with engine.connect() as conn:
                held = conn.execute(sa.text("SELECT count(*) FROM customer_accounts")).scalar_one()
            if held >= expected:
                return round(time.monotonic() - started, 2)
            time.sleep(0.5)
        return None
    finally:
        engine.dispose()


def _analyze(the_suite: Suite) -> dict[str, int]:
    counts: dict[str, int] = {}
    for url in (the_suite.contacts_url, the_suite.gateway_url):
        engine = sa.create_engine(normalise_url(url))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
            for name, rows in conn.execute(
                sa.text("SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 0")
            ):
                counts[name] = int(rows)
        engine.dispose()
    return counts
