"""Ticket handlers over the real unit of work: atomic writes with their events, search, concurrency."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from crm_shared.commands import read, run_command
from crm_shared.db import utcnow
from crm_shared.errors import Invalid, StaleVersion
from crm_support.adapters.tables import ticket_messages, tickets
from crm_support.service_layer import conversation, customers
from crm_support.service_layer import tickets as handlers

from .helpers import SETTINGS, create_ticket, get, move, outbox, reply


def test_a_created_ticket_its_event_and_the_customers_summary_commit_together(new_uow):
    body = create_ticket(new_uow, subject="Printer on fire", tags=["hardware", "hardware"])
    assert body["status"] == "new" and body["priority"] == "normal" and body["tags"] == ["hardware"]
    types = [e["type"] for e in outbox(new_uow)]
    assert types == ["ticket.created", "customer_summary.updated"]
    summary = outbox(new_uow, "customer_summary.updated")[0]
    assert summary["aggregate_id"] == body["contact_id"] and summary["producer"] == "support"
    assert summary["data"]["part"] == "support"
    assert [t["id"] for t in summary["data"]["summary"]["open_tickets"]] == [body["id"]]


def test_a_retried_create_with_the_same_key_creates_once(new_uow):
    contact = str(uuid.uuid4())
    first = create_ticket(new_uow, key="k-1", contact_id=contact)
    again = create_ticket(new_uow, key="k-1", contact_id=contact, subject="Other")
    assert again == first
    assert len(outbox(new_uow, "ticket.created")) == 1


def test_a_failed_command_leaves_neither_ticket_nor_event(new_uow):
    def failing(uow):
        handlers.create_ticket(uow, {"contact_id": uuid.uuid4(), "subject": "x", "channel": "web"}, utcnow(), SETTINGS)
        raise RuntimeError("after the write")

    with pytest.raises(RuntimeError):
        run_command(new_uow, failing, operation="x")
    with new_uow() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one() == 0
    assert outbox(new_uow) == []


def test_an_update_against_a_stale_version_is_refused_and_changes_nothing(new_uow):
    created = create_ticket(new_uow)
    work = partial(handlers.update_ticket, ticket_id=uuid.UUID(created["id"]), changes={"subject": "New"},
                   expected_version=7, now=utcnow(), settings=SETTINGS)  # fmt: skip
    with pytest.raises(StaleVersion):
        run_command(new_uow, work, operation="update_ticket")
    assert get(new_uow, created["id"])["subject"] == "Help"


def test_an_update_records_who_changed_what_in_the_history(new_uow):
    created = create_ticket(new_uow)
    work = partial(handlers.update_ticket, ticket_id=uuid.UUID(created["id"]),
                   changes={"subject": "Still broken", "actor": "agent-7"}, expected_version=1, now=utcnow(),
                   settings=SETTINGS)  # fmt: skip
    updated = run_command(new_uow, work, operation="update_ticket")
    assert updated["version"] == 2 and updated["subject"] == "Still broken"
    history = read(new_uow, partial(conversation.ticket_history, ticket_id=uuid.UUID(created["id"]),
                                    page={"limit": 50, "cursor": None}))["items"]  # fmt: skip
    assert [h["action"] for h in history] == ["created", "updated"]
    assert history[1]["actor"] == "agent-7" and history[1]["changes"] == {"subject": ["Help", "Still broken"]}
    assert [e["type"] for e in outbox(new_uow)][-2:] == ["customer_summary.updated", "ticket.updated"]


def test_an_illegal_status_move_is_refused_naming_the_field(new_uow):
    created = create_ticket(new_uow)
    move(new_uow, created["id"], "solved")
    move(new_uow, created["id"], "closed")
    with pytest.raises(Invalid) as raised:
        move(new_uow, created["id"], "open")
    assert "status" in raised.value.fields
    assert get(new_uow, created["id"])["status"] == "closed"


def test_solving_publishes_status_changed_and_solved(new_uow):
    created = create_ticket(new_uow)
    solved = move(new_uow, created["id"], "solved")
    assert solved["status"] == "solved" and solved["solved_at"]
    changed = outbox(new_uow, "ticket.status_changed")[-1]["data"]
    assert (changed["from_status"], changed["to_status"]) == ("new", "solved")
    assert outbox(new_uow, "ticket.solved")[-1]["data"]["id"] == created["id"]


def test_an_agents_first_reply_opens_the_ticket_and_meets_the_first_response(new_uow):
    created = create_ticket(new_uow)
    message = reply(new_uow, created["id"], author="agent-1", body="On it",
                    attachments=[{"filename": "log.txt", "content_type": "text/plain", "size_bytes": 12,
                                  "storage_key": "s3://bucket/log.txt"}])  # fmt: skip
    assert message["kind"] == "reply" and message["attachments"][0]["filename"] == "log.txt"
    ticket = get(new_uow, created["id"])
    assert ticket["status"] == "open" and ticket["sla"]["first_responded_at"]


def test_internal_notes_are_kept_apart_from_replies(new_uow):
    created = create_ticket(new_uow)
    reply(new_uow, created["id"], body="Public")
    run_command(new_uow, partial(conversation.add_note, ticket_id=uuid.UUID(created["id"]),
                                 fields={"body": "Internal", "author": "a"}, now=utcnow()), operation="n")  # fmt: skip
    page = {"limit": 50, "cursor": None}
    public = read(new_uow, partial(conversation.list_messages, ticket_id=uuid.UUID(created["id"]), page=page,
                                   include_notes=False))  # fmt: skip
    everything = read(new_uow, partial(conversation.list_messages, ticket_id=uuid.UUID(created["id"]), page=page,
                                       include_notes=True))  # fmt: skip
    assert [m["body"] for m in public["items"]] == ["Public"]
    assert [m["kind"] for m in everything["items"]] == ["reply", "note"]
    with new_uow() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(ticket_messages)).scalar_one() == 2


def test_assignment_publishes_ticket_assigned(new_uow):
    created = create_ticket(new_uow)
    work = partial(handlers.assign_ticket, ticket_id=uuid.UUID(created["id"]),
                   assignment={"assignee": "agent-2", "team": "billing"}, expected_version=None, now=utcnow())  # fmt: skip
    assigned = run_command(new_uow, work, operation="assign")
    assert (assigned["assignee"], assigned["team"]) == ("agent-2", "billing")
    event = outbox(new_uow, "ticket.assigned")[-1]["data"]
    assert event["assignee"] == "agent-2" and event["ticket"]["id"] == created["id"]


def test_search_filters_and_pages_newest_first(new_uow):
    contact = str(uuid.uuid4())
    start = utcnow()
    ids = [create_ticket(new_uow, contact_id=contact, subject=f"Login issue {n}", tags=["auth"],
                         now=start + timedelta(seconds=n))["id"] for n in range(3)]  # fmt: skip
    create_ticket(new_uow, contact_id=contact, subject="Billing", priority="high")
    query = {"contact_id": uuid.UUID(contact), "tag": "auth", "q": "login", "limit": 2, "cursor": None}
    first = read(new_uow, partial(handlers.search_tickets, filters=query, now=utcnow()))
    assert [t["id"] for t in first["items"]] == [ids[2], ids[1]] and first["next_cursor"]
    second = read(new_uow, partial(handlers.search_tickets, filters={**query, "cursor": first["next_cursor"]},
                                   now=utcnow()))  # fmt: skip
    assert [t["id"] for t in second["items"]] == [ids[0]] and second["next_cursor"] is None
    high = read(new_uow, partial(handlers.search_tickets, filters={"priority": "high", "open": True, "limit": 10},
                                 now=utcnow()))  # fmt: skip
    assert [t["subject"] for t in high["items"]] == ["Billing"]


def test_each_aggregates_events_are_numbered_one_by_one(new_uow):
    created = create_ticket(new_uow)
    reply(new_uow, created["id"])
    move(new_uow, created["id"], "solved")
    by_aggregate: dict[str, list[int]] = {}
    for envelope in outbox(new_uow):
        by_aggregate.setdefault(envelope["aggregate_id"], []).append(envelope["sequence"])
    assert by_aggregate[created["id"]] == [1, 2, 3, 4, 5]  # created, status_changed, updated, status_changed, solved
    assert by_aggregate[created["contact_id"]] == [1, 2, 3]  # the customer's summary: created, opened, solved


def test_the_summary_rpc_answers_what_the_last_event_carried(new_uow):
    contact = str(uuid.uuid4())
    first = create_ticket(new_uow, contact_id=contact)
    create_ticket(new_uow, contact_id=contact, priority="urgent")
    move(new_uow, first["id"], "solved")
    answered = read(new_uow, partial(customers.customer_summary, contact_id=uuid.UUID(contact), now=utcnow()))
    published = outbox(new_uow, "customer_summary.updated")[-1]["data"]["summary"]
    assert answered == published
    assert answered["ticket_count"] == 2 and [t["id"] for t in answered["recent_solved"]] == [first["id"]]
    assert [t["priority"] for t in answered["open_tickets"]] == ["urgent"]
