"""Handlers about customers: value tiers from sales, contact merges and erasures, privacy requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_shared.envelope import Envelope
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.service_layer import present
from crm_support.service_layer.changes import refuse_erased
from crm_support.service_layer.conversation import list_attachments, list_messages, ticket_history
from crm_support.service_layer.summary import publish_summary, summary_of

EXPORT_PAGE = 10_000


def customer_summary(uow: Uow, contact_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return summary_of(uow, contact_id, now)


def note_value_tier(uow: Uow, envelope: Envelope, data: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """Keep the newest tier sales announced; a redelivered or older event changes nothing."""
    if not uow.claim_event(envelope) or uow.privacy.erased_at(data["contact_id"]) is not None:
        return None, None
    rfm = data["summary"].get("rfm") or {}
    uow.setup.store_tier(data["contact_id"], rfm.get("tier"), envelope.sequence, now)
    return None, None


def follow_contact_merge(uow: Uow, envelope: Envelope, data: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """The merged contact's tickets follow the survivor; both customers' summaries are re-announced."""
    if not uow.claim_event(envelope):
        return None, None
    survivor_id, merged_id = data["survivor_id"], data["merged_id"]
    if uow.privacy.erased_at(survivor_id) is not None:
        # Re-pointed tickets would put personal data back on an erased person: erase them instead.
        return _erase(uow, merged_id, now), None
    moved = uow.privacy.repoint(merged_id, survivor_id)
    for ticket_id in moved:
        uow.conversation.record(
            ticket_id, "customer_merged", None, {"contact_id": [str(merged_id), str(survivor_id)]}, now
        )
    if moved:
        publish_summary(uow, survivor_id, now)
        publish_summary(uow, merged_id, now)
    return len(moved), None


def erase_customer(uow: Uow, envelope: Envelope, data: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """Anonymise the customer's tickets (counts and timings stay) and remember the erasure."""
    contact_id = data["contact_id"]
    if not uow.claim_event(envelope) or uow.privacy.erased_at(contact_id) is not None:
        return None, None
    return _erase(uow, contact_id, now), None


def _erase(uow: Uow, contact_id: uuid.UUID, now: datetime) -> int:
    if uow.privacy.erased_at(contact_id) is not None:
        return 0
    erased = uow.privacy.erase(contact_id, _identifiers(uow, contact_id), now)
    publish_summary(uow, contact_id, now)
    return erased


def _identifiers(uow: Uow, contact_id: uuid.UUID) -> list[str]:
    """Names and addresses the customer gave on their tickets, to strip from agents' words."""
    found: set[str] = set()
    for ticket in uow.tickets.of_contact(contact_id):
        found.update(v for v in (ticket.requester_name, ticket.requester_email) if v and len(v) >= 3)
    return sorted(found, key=len, reverse=True)


def pii_inventory(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    places = uow.privacy.inventory(contact_id)
    # The inbox keeps event ids and types only, never a payload.
    places["inbox"] = 0
    return {"service": "support", "contact_id": str(contact_id), "places": places}


def export_customer(uow: Uow, contact_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Everything support holds about the customer: tickets with conversation, attachments and history."""
    refuse_erased(uow, contact_id)
    everything = []
    page = {"cursor": None, "limit": EXPORT_PAGE}
    for ticket in uow.tickets.of_contact(contact_id):
        everything.append(
            {
                "ticket": present.ticket(ticket, now),
                "messages": list_messages(uow, ticket.id, page, include_notes=True)["items"],
                "attachments": list_attachments(uow, ticket.id),
                "history": ticket_history(uow, ticket.id, page)["items"],
            }
        )
    return {"contact_id": str(contact_id), "value_tier": uow.setup.tier_of(contact_id), "tickets": everything}
