"""Writing a changed ticket: the row, its history entry, and the customer's summary if it moved."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_shared.errors import Gone, NotFound, StaleVersion
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain.tickets import Ticket
from crm_support.service_layer import present
from crm_support.service_layer.sla import next_check_at
from crm_support.service_layer.summary import publish_summary, summary_changed


def ticket_for_change(uow: Uow, ticket_id: uuid.UUID, expected_version: int | None = None) -> Ticket:
    """The ticket, locked until commit so that the SLA scan and other writers wait or skip it."""
    ticket = uow.tickets.get(ticket_id, for_update=True)
    if ticket is None:
        raise NotFound("No such ticket.", ticket_id=str(ticket_id))
    if expected_version is not None and expected_version != ticket.version:
        raise StaleVersion("The ticket has changed since you read it.", version=ticket.version)
    return ticket


def readable_ticket(uow: Uow, ticket_id: uuid.UUID) -> Ticket:
    ticket = uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.", ticket_id=str(ticket_id))
    return ticket


def refuse_erased(uow: Uow, contact_id: uuid.UUID | None) -> None:
    """A late or replayed request cannot bring an erased customer back."""
    if contact_id is not None and uow.privacy.erased_at(contact_id) is not None:
        raise Gone("This customer's data was erased.", contact_id=str(contact_id))


def diff(before: Ticket, after: Ticket, names: tuple[str, ...]) -> dict[str, Any]:
    """``{field: [old, new]}`` for the fields that changed, JSON-ready."""
    found = {}
    for name in names:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            found[name] = [_plain(old), _plain(new)]
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime | uuid.UUID):
        return str(value)
    return value


def store(
    uow: Uow, before: Ticket, after: Ticket, now: datetime, action: str, actor: str | None, changes: dict[str, Any]
) -> Ticket:
    """Save the ticket as a new version, record the history, re-announce the summary if it shows a change."""
    after = replace(after, version=before.version + 1, updated_at=now)
    uow.tickets.save(after, before.version, next_check_at(after))
    uow.conversation.record(after.id, action, actor, changes, now)
    if summary_changed(before, after, now):
        publish_summary(uow, after.contact_id, now)
    return after


def announce(uow: Uow, event_type: str, ticket: Ticket, now: datetime, **extra: Any) -> dict[str, Any]:
    """Publish a ticket event carrying the full ticket; answers the ticket's representation."""
    body = present.ticket(ticket, now)
    uow.publish(event_type, {"ticket": body, **extra} if extra else body, aggregate_id=ticket.id)
    return body
