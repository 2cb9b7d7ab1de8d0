"""Rules route arriving tickets, contracts pick the SLA, and the scan fires milestones once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from crm_shared.contracts import support as s
from crm_shared.errors import Invalid
from crm_support.service_layer import customers

from .helpers import configure, create_ticket, deliver, get, move, outbox, reply, scan

MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def office_calendar(new_uow, **fields):
    hours = {d: [{"start": "09:00", "end": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
    return configure(new_uow, "calendar", s.CalendarCreateSchema, name="Office", timezone="UTC", hours=hours, **fields)


def policy(new_uow, level="default", priority="normal", first=60, resolution=480, calendar_id=None):
    return configure(new_uow, "sla_policy", s.SlaPolicyCreateSchema, name=f"{level} {priority}",
                     contract_level=level, priority=priority, first_response_minutes=first,
                     resolution_minutes=resolution, calendar_id=calendar_id)  # fmt: skip


def test_due_times_come_from_the_policy_in_business_hours(new_uow):
    calendar = office_calendar(new_uow)
    policy(new_uow, calendar_id=calendar["id"])
    friday_16 = datetime(2026, 11, 27, 16, tzinfo=UTC)
    ticket = create_ticket(new_uow, now=friday_16)
    assert ticket["sla"]["level"] == "default"
    assert ticket["sla"]["first_response_due_at"] == "2026-11-27T17:00:00+00:00"
    assert ticket["sla"]["resolution_due_at"] == "2026-11-30T16:00:00+00:00"


def test_an_accounts_valid_contract_for_the_channel_chooses_its_level(new_uow):
    policy(new_uow, first=240)
    policy(new_uow, level="premium", first=15)
    account = str(uuid.uuid4())
    configure(new_uow, "contract", s.ContractCreateSchema, account_id=account, level="premium",
              valid_from=(date.today() - timedelta(days=1)).isoformat(), channels=["phone"])  # fmt: skip
    now = datetime.now(UTC)
    by_phone = create_ticket(new_uow, account_id=account, channel="phone", now=now)
    by_email = create_ticket(new_uow, account_id=account, channel="email", now=now)
    assert by_phone["sla"]["level"] == "premium" and by_email["sla"]["level"] == "default"
    assert by_phone["sla"]["first_response_due_at"] == (now + timedelta(minutes=15)).isoformat()


def test_a_rule_sets_priority_team_and_category_and_is_recorded(new_uow):
    policy(new_uow, priority="urgent", first=10)
    rule = configure(new_uow, "rule", s.RuleCreateSchema, name="Gold customers' outages", position=1,
                     conditions={"all": [{"field": "tier", "operator": "equals", "value": "gold"},
                                         {"field": "text", "operator": "contains", "value": "outage"}]},
                     actions={"priority": "urgent", "team": "escalations", "category": "incident"})  # fmt: skip
    contact = str(uuid.uuid4())
    sales_summary = {"contact_id": contact, "part": "sales", "summary": sales_part(contact, "gold")}
    deliver(
        new_uow, customers.note_value_tier, "customer_summary.updated", sales_summary, "sales", aggregate_id=contact
    )
    routed = create_ticket(new_uow, contact_id=contact, subject="Total outage since 9am")
    plain = create_ticket(new_uow, subject="Total outage since 9am")
    assert (routed["priority"], routed["team"], routed["category"]) == ("urgent", "escalations", "incident")
    assert routed["fired_rule"] == {"id": rule["id"], "name": "Gold customers' outages"}
    assert routed["sla"]["first_response_due_at"] is not None
    assert plain["fired_rule"] is None and plain["priority"] == "normal"


def test_an_unparseable_rule_is_refused_naming_the_field(new_uow):
    with pytest.raises(Invalid) as raised:
        configure(new_uow, "rule", s.RuleCreateSchema, name="bad", actions={"team": "x"},
                  conditions={"any": [{"field": "channel", "operator": "resembles", "value": "x"}]})  # fmt: skip
    assert list(raised.value.fields) == ["conditions.any.0.operator"]


def test_an_older_tier_event_does_not_replace_a_newer_one(new_uow):
    contact = str(uuid.uuid4())
    for sequence, tier in ((5, "gold"), (3, "bronze")):
        data = {"contact_id": contact, "part": "sales", "summary": sales_part(contact, tier)}
        deliver(new_uow, customers.note_value_tier, "customer_summary.updated", data, "sales", sequence, contact)
    with new_uow() as uow:
        assert uow.setup.tier_of(uuid.UUID(contact)) == "gold"


def test_warning_then_breach_fire_once_each(new_uow):
    policy(new_uow, first=60, resolution=600)
    ticket = create_ticket(new_uow, now=MONDAY_9)
    assert scan(new_uow, MONDAY_9 + timedelta(minutes=47)) == 0
    assert scan(new_uow, MONDAY_9 + timedelta(minutes=48)) == 1  # 80 % of an hour
    assert scan(new_uow, MONDAY_9 + timedelta(minutes=50)) == 0
    assert scan(new_uow, MONDAY_9 + timedelta(minutes=61)) == 1
    assert scan(new_uow, MONDAY_9 + timedelta(minutes=62)) == 0
    warnings = [e["data"]["target"] for e in outbox(new_uow, "ticket.sla_warning")]
    breaches = [e["data"]["target"] for e in outbox(new_uow, "ticket.sla_breached")]
    assert warnings == ["first_response"] and breaches == ["first_response"]
    after = get(new_uow, ticket["id"], now=MONDAY_9 + timedelta(minutes=62))
    assert after["sla"]["state"] == "breached" and after["version"] == 1
    summaries = outbox(new_uow, "customer_summary.updated")
    assert summaries[-1]["data"]["summary"]["open_tickets"][0]["sla"]["state"] == "breached"


def test_a_pending_ticket_fires_nothing_until_the_customer_answers(new_uow):
    policy(new_uow, first=600, resolution=120)
    ticket = create_ticket(new_uow, now=MONDAY_9)
    reply(new_uow, ticket["id"], now=MONDAY_9 + timedelta(minutes=10))
    paused = move(new_uow, ticket["id"], "pending", now=MONDAY_9 + timedelta(minutes=30))
    assert paused["sla"]["state"] == "paused"
    assert scan(new_uow, MONDAY_9 + timedelta(days=2)) == 0
    resumed = reply(new_uow, ticket["id"], author_type="customer", now=MONDAY_9 + timedelta(hours=5))
    assert resumed["kind"] == "reply"
    after = get(new_uow, ticket["id"], now=MONDAY_9 + timedelta(hours=5))
    assert after["status"] == "open"
    # 90 minutes of resolution time were left at the pause: due 90 minutes after the answer.
    assert after["sla"]["resolution_due_at"] == (MONDAY_9 + timedelta(hours=6, minutes=30)).isoformat()


def sales_part(contact: str, tier: str | None) -> dict:
    rfm = None
    if tier:
        rfm = {"recency": 5, "frequency": 4, "monetary": 5, "tier": tier, "computed_at": "2026-11-23T09:00:00+00:00"}
    return {"contact_id": contact, "open_opportunities": [], "won_count": 0, "lost_count": 0, "order_count": 0,
            "recent_orders": [], "lifetime_value": [], "last_order_at": None, "rfm": rfm}  # fmt: skip


def test_a_ticket_solved_while_pending_runs_its_clock_again_when_reopened(new_uow):
    policy(new_uow, first=60, resolution=600)
    ticket = create_ticket(new_uow, now=MONDAY_9)
    move(new_uow, ticket["id"], "pending", now=MONDAY_9 + timedelta(minutes=10))
    move(new_uow, ticket["id"], "solved", now=MONDAY_9 + timedelta(minutes=20))
    reopened = move(new_uow, ticket["id"], "open", now=MONDAY_9 + timedelta(minutes=30))
    assert reopened["sla"]["paused_at"] is None and reopened["sla"]["state"] == "on_track"
    # Ten minutes paused: resolution due ten minutes later than it was set.
    assert reopened["sla"]["resolution_due_at"] == (MONDAY_9 + timedelta(minutes=610)).isoformat()
    assert scan(new_uow, MONDAY_9 + timedelta(minutes=71)) == 1  # first response: breach alone
