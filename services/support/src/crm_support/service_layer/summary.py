"""A customer's support part of the customer 360, and its announcement when it changes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.summaries import SupportSummarySchema
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain.tickets import Ticket
from crm_support.service_layer import present

RECENT_SOLVED = 10


def summary_of(uow: Uow, contact_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Open tickets with their SLA state, the ten most recently solved, and the average CSAT."""
    return summary_from(contact_id, uow.tickets.of_contact(contact_id), now)


def summary_from(contact_id: uuid.UUID, tickets: list[Ticket], now: datetime) -> dict[str, Any]:
    own = [t for t in tickets if t.merged_into is None]
    open_tickets = [t for t in own if t.is_open]
    solved = sorted((t for t in own if t.solved), key=lambda t: t.solved_at or t.updated_at, reverse=True)
    scores = [t.csat_score for t in own if t.csat_score is not None]
    body = {
        "contact_id": contact_id,
        "open_tickets": [present.summary_ticket(t, now) for t in open_tickets],
        "recent_solved": [present.summary_ticket(t, now) for t in solved[:RECENT_SOLVED]],
        "ticket_count": len(own),
        "average_csat": round(sum(scores) / len(scores), 2) if scores else None,
        "csat_count": len(scores),
    }
    return dict(schema_instance(SupportSummarySchema).dump(body))


def publish_summary(uow: Uow, contact_id: uuid.UUID | None, now: datetime) -> None:
    """``customer_summary.updated`` with the whole new part, in the transaction of the change."""
    if contact_id is not None:
        publish_summaries(uow, [contact_id], now)


def publish_summaries(uow: Uow, contact_ids: list[uuid.UUID], now: datetime) -> None:
    by_contact = uow.tickets.of_contacts(contact_ids)
    for contact_id in dict.fromkeys(contact_ids):
        summary = summary_from(contact_id, by_contact.get(contact_id, []), now)
        data = {"contact_id": str(contact_id), "part": "support", "summary": summary}
        uow.publish("customer_summary.updated", data, aggregate_id=contact_id)


def summary_changed(before: Ticket | None, after: Ticket, now: datetime) -> bool:
    """Whether the customer's summary shows this ticket differently now."""
    if before is None or before.contact_id != after.contact_id or before.merged_into != after.merged_into:
        return True
    shown = present.summary_ticket(before, now) != present.summary_ticket(after, now)
    return shown or before.csat_score != after.csat_score
