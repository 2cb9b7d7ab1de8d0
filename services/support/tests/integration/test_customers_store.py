"""CSAT and ticket merges; contacts' merges and erasures honoured; what support holds about a person."""

from __future__ import annotations

import uuid
from functools import partial

import pytest
import sqlalchemy as sa

from crm_shared.commands import read, run_command
from crm_shared.contracts import support as s
from crm_shared.contracts.loading import load
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Gone, Invalid
from crm_support.adapters.tables import ticket_messages, tickets
from crm_support.service_layer import conversation, customers, satisfaction

from .helpers import create_ticket, csat, deliver, get, move, outbox, pii, reply

CANARY = "Zebediah Quux-Canary"
CANARY_EMAIL = "zq.canary@example.org"


def contact_body(contact_id: str) -> dict:
    now = utcnow().isoformat()
    return {"id": contact_id, "first_name": "X", "last_name": None, "emails": [], "phones": [], "addresses": [],
            "tags": [], "lifecycle_stage": "other", "provenance": "manual", "marketing": {}, "custom_fields": {},
            "created_at": now, "updated_at": now, "version": 1}  # fmt: skip


def test_csat_is_recorded_once_after_solving(new_uow):
    ticket = create_ticket(new_uow)
    with pytest.raises(Invalid):
        csat(new_uow, ticket["id"], 5)
    move(new_uow, ticket["id"], "solved")
    rated = csat(new_uow, ticket["id"], 4)
    assert rated["csat"]["score"] == 4
    with pytest.raises(Conflict):
        csat(new_uow, ticket["id"], 5)
    assert [e["data"]["score"] for e in outbox(new_uow, "ticket.csat_recorded")] == [4]
    summary = outbox(new_uow, "customer_summary.updated")[-1]["data"]["summary"]
    assert summary["average_csat"] == 4.0 and summary["csat_count"] == 1


def test_csat_out_of_range_is_refused_by_the_contract():
    with pytest.raises(Invalid) as raised:
        load(s.CsatSchema(), {"score": 6})
    assert "score" in raised.value.fields


def test_a_duplicate_ticket_merges_into_the_survivor(new_uow):
    contact = str(uuid.uuid4())
    survivor = create_ticket(new_uow, contact_id=contact, tags=["a"])
    duplicate = create_ticket(new_uow, contact_id=contact, tags=["b"])
    reply(new_uow, duplicate["id"], body="Asked twice")
    work = partial(satisfaction.merge_tickets, ticket_id=uuid.UUID(survivor["id"]),
                   merge={"duplicate_id": uuid.UUID(duplicate["id"])}, now=utcnow())  # fmt: skip
    kept = run_command(new_uow, work, operation="merge")
    assert kept["tags"] == ["a", "b"]
    closed = get(new_uow, duplicate["id"])
    assert closed["status"] == "closed" and closed["merged_into"] == survivor["id"]
    messages = read(new_uow, partial(conversation.list_messages, ticket_id=uuid.UUID(survivor["id"]),
                                     page={"limit": 10, "cursor": None}, include_notes=True))  # fmt: skip
    assert [m["body"] for m in messages["items"]] == ["Asked twice"]
    summary = outbox(new_uow, "customer_summary.updated")[-1]["data"]["summary"]
    assert summary["ticket_count"] == 1


def test_a_merged_contacts_tickets_follow_the_survivor_once(new_uow):
    survivor, merged = str(uuid.uuid4()), str(uuid.uuid4())
    ticket = create_ticket(new_uow, contact_id=merged)
    data = {"survivor_id": survivor, "merged_id": merged, "contact": contact_body(survivor)}
    (moved, envelope) = deliver(new_uow, customers.follow_contact_merge, "contact.merged", data, "contacts")
    assert moved == 1 and get(new_uow, ticket["id"])["contact_id"] == survivor
    again = partial(customers.follow_contact_merge, envelope=envelope, data={**data,
                    "survivor_id": uuid.UUID(survivor), "merged_id": uuid.UUID(merged)}, now=utcnow())  # fmt: skip
    assert run_command(new_uow, again, operation="again") is None
    summaries = {e["aggregate_id"]: e["data"]["summary"] for e in outbox(new_uow, "customer_summary.updated")}
    assert summaries[survivor]["ticket_count"] == 1 and summaries[merged]["ticket_count"] == 0


def test_an_erased_customer_leaves_counts_and_timings_but_no_personal_data(new_uow):
    contact = str(uuid.uuid4())
    ticket = create_ticket(new_uow, key="create-canary", contact_id=contact, subject=f"{CANARY} cannot log in",
                           description=f"Write to {CANARY_EMAIL}", requester={"name": CANARY, "email": CANARY_EMAIL})  # fmt: skip
    screenshot = {"filename": f"{CANARY}.png", "content_type": "image/png", "size_bytes": 1, "storage_key": "k"}
    reply(new_uow, ticket["id"], author_type="customer", body=f"Regards, {CANARY}", attachments=[screenshot])
    reply(new_uow, ticket["id"], author_type="agent", body=f"Dear {CANARY}, fixed.")
    move(new_uow, ticket["id"], "solved")
    assert all(count > 0 for name, count in pii(new_uow, contact).items() if name not in ("customer_tiers", "inbox"))

    data = {"contact_id": contact, "erased_at": utcnow().isoformat()}
    deliver(new_uow, customers.erase_customer, "contact.erased", data, "contacts", aggregate_id=contact)

    assert set(pii(new_uow, contact).values()) == {0}
    with new_uow() as uow:
        row = uow.conn.execute(sa.select(tickets)).one()
        bodies = list(uow.conn.execute(sa.select(ticket_messages.c.body)).scalars())
        everything = " ".join(str(v) for v in row) + " ".join(bodies)
        outbox_text = str(uow.conn.execute(sa.select(sa.func.count())).scalar_one())
    assert CANARY not in everything and CANARY_EMAIL not in everything
    assert row.status == "solved" and row.solved_at is not None and row.created_at is not None
    assert bodies == ["[erased]", "Dear [erased], fixed."] and outbox_text
    for envelope in outbox(new_uow):
        assert CANARY not in str(envelope)
    with pytest.raises(Gone):
        create_ticket(new_uow, contact_id=contact)
    with pytest.raises(Gone):
        read(new_uow, partial(customers.export_customer, contact_id=uuid.UUID(contact), now=utcnow()))


def test_an_export_holds_every_ticket_with_its_conversation(new_uow):
    contact = str(uuid.uuid4())
    ticket = create_ticket(new_uow, contact_id=contact)
    reply(new_uow, ticket["id"], body="Answer")
    exported = read(new_uow, partial(customers.export_customer, contact_id=uuid.UUID(contact), now=utcnow()))
    (entry,) = exported["tickets"]
    assert entry["ticket"]["id"] == ticket["id"] and [m["body"] for m in entry["messages"]] == ["Answer"]
    assert [h["action"] for h in entry["history"]] == ["created", "replied"]


def test_a_merge_into_an_erased_contact_erases_the_merged_contacts_tickets(new_uow):
    survivor, merged = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(new_uow, customers.erase_customer, "contact.erased", {"contact_id": survivor, "erased_at": utcnow().isoformat()},
            "contacts", aggregate_id=survivor)  # fmt: skip
    create_ticket(new_uow, contact_id=merged, requester={"name": CANARY})
    data = {"survivor_id": survivor, "merged_id": merged, "contact": contact_body(survivor)}
    deliver(new_uow, customers.follow_contact_merge, "contact.merged", data, "contacts")
    assert set(pii(new_uow, merged).values()) == {0} and set(pii(new_uow, survivor).values()) == {0}
