"""Handlers for what follows a solved ticket: the customer's rating, and merging duplicates."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain.tickets import check_csat, check_mergeable
from crm_support.service_layer.changes import announce, store, ticket_for_change


def record_csat(uow: Uow, ticket_id: uuid.UUID, rating: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """A score of 1-5 and a comment, once, after the ticket is solved."""
    before = ticket_for_change(uow, ticket_id)
    check_csat(before)
    after = replace(before, csat_score=rating["score"], csat_comment=rating.get("comment"), csat_at=now)
    after = store(uow, before, after, now, "csat_recorded", None, {"csat_score": [None, rating["score"]]})
    uow.publish(
        "ticket.csat_recorded",
        {
            "ticket_id": str(after.id),
            "contact_id": str(after.contact_id) if after.contact_id else None,
            "score": rating["score"],
            "comment": rating.get("comment"),
            "recorded_at": now.isoformat(),
        },
        aggregate_id=after.id,
    )
    return announce(uow, "ticket.updated", after, now), after.contact_id


def merge_tickets(uow: Uow, ticket_id: uuid.UUID, merge: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """The duplicate's conversation moves to the survivor; the duplicate is closed, pointing at it."""
    first, second = sorted((ticket_id, merge["duplicate_id"]), key=str)  # lock in one order: no deadlock
    locked = {first: ticket_for_change(uow, first), second: ticket_for_change(uow, second)}
    survivor, duplicate = locked[ticket_id], locked[merge["duplicate_id"]]
    check_mergeable(survivor, duplicate)
    moved = uow.conversation.move_to(duplicate.id, survivor.id)
    actor = merge.get("actor")
    closed = replace(duplicate, status="closed", closed_at=now, merged_into=survivor.id)
    closed = store(uow, duplicate, closed, now, "merged_into", actor, {"merged_into": str(survivor.id)})
    announce(uow, "ticket.status_changed", closed, now, from_status=duplicate.status, to_status="closed")
    tags = tuple(dict.fromkeys(survivor.tags + duplicate.tags))
    kept = replace(survivor, tags=tags)
    changes = {"merged": str(duplicate.id), "messages_moved": moved}
    kept = store(uow, survivor, kept, now, "merged", actor, changes)
    return announce(uow, "ticket.updated", kept, now), kept.contact_id
