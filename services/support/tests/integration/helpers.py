"""Calling the handlers the way the service does: one command, one transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa

from crm_shared.commands import read, run_command
from crm_shared.contracts import support as s
from crm_shared.contracts.loading import load
from crm_shared.db import utcnow
from crm_shared.events import new_envelope
from crm_support.adapters.tables import plumbing
from crm_support.service_layer import conversation, customers, satisfaction, setup, sla_scan, tickets
from crm_support.service_layer.settings import Settings

SETTINGS = Settings()


def create_ticket(new_uow, key: str | None = None, now: datetime | None = None, **fields: Any) -> dict[str, Any]:
    body = load(
        s.TicketCreateSchema(), {"contact_id": str(uuid.uuid4()), "subject": "Help", "channel": "email", **fields}
    )
    work = partial(tickets.create_ticket, fields=body, now=now or utcnow(), settings=SETTINGS)
    return run_command(new_uow, work, operation="create_ticket", idempotency_key=key)


def move(new_uow, ticket_id: str, status: str, now: datetime | None = None, version: int | None = None) -> Any:
    work = partial(tickets.move_status, ticket_id=uuid.UUID(ticket_id), move={"status": status},
                   expected_version=version, now=now or utcnow(), settings=SETTINGS)  # fmt: skip
    return run_command(new_uow, work, operation="move_ticket")


def reply(new_uow, ticket_id: str, author_type: str = "agent", now: datetime | None = None, **fields: Any) -> Any:
    body = load(s.MessageCreateSchema(), {"body": "Hello", "author_type": author_type, **fields})
    work = partial(conversation.add_reply, ticket_id=uuid.UUID(ticket_id), fields=body, now=now or utcnow(),
                   settings=SETTINGS)  # fmt: skip
    return run_command(new_uow, work, operation="add_reply")


def get(new_uow, ticket_id: str, now: datetime | None = None) -> dict[str, Any]:
    return read(new_uow, partial(tickets.get_ticket, ticket_id=uuid.UUID(ticket_id), now=now or utcnow()))


def configure(new_uow, kind: str, schema: type, **fields: Any) -> dict[str, Any]:
    handler = getattr(setup, f"create_{kind}")
    return run_command(new_uow, partial(handler, fields=load(schema(), fields), now=utcnow()), operation=kind)


def scan(new_uow, now: datetime) -> int:
    return run_command(new_uow, partial(sla_scan.fire_due_milestones, now=now, batch=500), operation="scan")["fired"]


def csat(new_uow, ticket_id: str, score: int) -> Any:
    work = partial(satisfaction.record_csat, ticket_id=uuid.UUID(ticket_id), rating={"score": score}, now=utcnow())
    return run_command(new_uow, work, operation="record_csat")


def outbox(new_uow, event_type: str | None = None) -> list[dict[str, Any]]:
    table = plumbing.outbox
    query = sa.select(table.c.envelope).order_by(table.c.id)
    if event_type:
        query = query.where(table.c.event_type == event_type)
    with new_uow() as uow:
        return [dict(row.envelope) for row in uow.conn.execute(query)]


def deliver(new_uow, handler: Any, event_type: str, data: dict[str, Any], producer: str, sequence: int = 1,
            aggregate_id: str | None = None) -> Any:  # fmt: skip
    """An incoming event as the service receives it: a validated envelope and its loaded data."""
    from crm_shared.events import parse_event

    envelope = new_envelope(event_type, data, aggregate_id=aggregate_id or str(uuid.uuid4()), sequence=sequence,
                            correlation_id="test", producer=producer)  # fmt: skip
    parsed_envelope, parsed = parse_event(envelope.to_wire())
    work = partial(handler, envelope=parsed_envelope, data=parsed, now=utcnow())
    return run_command(new_uow, work, operation=handler.__name__), parsed_envelope


def pii(new_uow, contact_id: str) -> dict[str, int]:
    return read(new_uow, partial(customers.pii_inventory, contact_id=uuid.UUID(contact_id)))["places"]
