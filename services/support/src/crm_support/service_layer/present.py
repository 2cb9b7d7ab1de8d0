"""Domain objects as their published, JSON-ready representation (the contract schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema

from crm_shared.contracts import support as s
from crm_shared.contracts.loading import schema_instance
from crm_support.domain.sla import sla_state
from crm_support.domain.tickets import Ticket


def sla(ticket: Ticket, now: datetime) -> dict[str, Any]:
    clock = ticket.sla
    return {
        "state": sla_state(clock, ticket.first_responded, ticket.solved),
        "level": ticket.sla_level,
        "first_response_due_at": clock.first_response_due_at,
        "first_response_warn_at": clock.first_response_warn_at,
        "resolution_due_at": clock.resolution_due_at,
        "resolution_warn_at": clock.resolution_warn_at,
        "paused_at": clock.paused_at,
        "first_responded_at": ticket.first_responded_at,
    }


def ticket(value: Ticket, now: datetime) -> dict[str, Any]:
    body = {name: getattr(value, name) for name in schema_instance(s.TicketSchema).fields if hasattr(value, name)}
    body["tags"] = list(value.tags)
    body["sla"] = sla(value, now)
    has_requester = value.requester_name or value.requester_email
    body["requester"] = {"name": value.requester_name, "email": value.requester_email} if has_requester else None
    csat = {"score": value.csat_score, "comment": value.csat_comment, "recorded_at": value.csat_at}
    body["csat"] = csat if value.csat_score is not None else None
    return dict(schema_instance(s.TicketSchema).dump(body))


def summary_ticket(value: Ticket, now: datetime) -> dict[str, Any]:
    """Not yet dumped: the summary dumps its tickets with itself."""
    return {
        "id": value.id, "subject": value.subject, "status": value.status, "priority": value.priority,
        "created_at": value.created_at, "solved_at": value.solved_at, "sla": sla(value, now),
    }  # fmt: skip


def record(schema: type[Schema], values: dict[str, Any]) -> dict[str, Any]:
    return dict(schema_instance(schema).dump(values))


def page(items: list[Any], next_cursor: str | None, render: Any) -> dict[str, Any]:
    return {"items": [render(item) for item in items], "next_cursor": next_cursor}
