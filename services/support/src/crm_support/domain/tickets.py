"""Tickets: what a customer asked, its status machine, and who works on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from crm_shared.errors import Conflict, Invalid
from crm_support.domain.sla import NO_SLA, SlaClock

CHANNELS = ("email", "phone", "web", "chat", "social")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
OPEN_STATUSES = frozenset({"new", "open", "pending", "on_hold"})
DONE_STATUSES = frozenset({"solved", "closed"})
# Waiting on the customer stops the SLA clock; "on_hold" waits on a third party and does not.
PAUSED_STATUS = "pending"

ALLOWED_MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending", "on_hold", "solved"}),
    "open": frozenset({"pending", "on_hold", "solved"}),
    "pending": frozenset({"open", "on_hold", "solved"}),
    "on_hold": frozenset({"open", "pending", "solved"}),
    "solved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}


@dataclass(frozen=True)
class Ticket:
    id: uuid.UUID
    contact_id: uuid.UUID | None
    account_id: uuid.UUID | None
    subject: str
    description: str | None
    channel: str
    priority: str
    created_at: datetime
    updated_at: datetime
    status: str = "new"
    category: str | None = None
    assignee: str | None = None
    team: str | None = None
    tags: tuple[str, ...] = ()
    requester_name: str | None = None
    requester_email: str | None = None
    version: int = 1
    first_responded_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    merged_into: uuid.UUID | None = None
    sla_level: str | None = None
    sla: SlaClock = NO_SLA
    fired_rule: dict[str, Any] | None = None
    csat_score: int | None = None
    csat_comment: str | None = None
    csat_at: datetime | None = None
    erased: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def first_responded(self) -> bool:
        return self.first_responded_at is not None

    @property
    def solved(self) -> bool:
        return self.status in DONE_STATUSES


def check_move(ticket: Ticket, to: str, now: datetime, reopen_window: timedelta) -> None:
    """Refuse a status move the machine does not allow, naming the ``status`` field."""
    if to == ticket.status or to not in ALLOWED_MOVES[ticket.status]:
        raise Invalid(
            "This status move is not allowed.",
            fields={"status": [f"Cannot move from {ticket.status} to {to}."]},
        )
    if ticket.status == "solved" and to == "open":
        solved_at = ticket.solved_at or ticket.updated_at
        if now - solved_at > reopen_window:
            raise Invalid(
                "The ticket can no longer be reopened.",
                fields={"status": [f"Solved more than {reopen_window.days} days ago; open a new ticket."]},
            )


def moved(ticket: Ticket, to: str, now: datetime) -> Ticket:
    """The ticket after an allowed move: solved and closed times follow the status."""
    changes: dict[str, Any] = {"status": to}
    if to == "solved":
        changes["solved_at"] = now
    elif to == "closed":
        changes["closed_at"] = now
    elif ticket.status == "solved":
        changes["solved_at"] = None
    return replace(ticket, **changes)


def check_csat(ticket: Ticket) -> None:
    if not ticket.solved:
        raise Invalid("Satisfaction is asked once a ticket is solved.", fields={"score": ["The ticket is not solved."]})
    if ticket.csat_score is not None:
        raise Conflict("Satisfaction was already recorded for this ticket.", field="score")


def check_mergeable(survivor: Ticket, duplicate: Ticket) -> None:
    if survivor.id == duplicate.id:
        raise Invalid("A ticket cannot be merged into itself.", fields={"duplicate_id": ["Same as the survivor."]})
    for name, ticket in (("ticket_id", survivor), ("duplicate_id", duplicate)):
        if ticket.merged_into is not None or ticket.status == "closed":
            raise Conflict("A closed or merged ticket cannot take part in a merge.", field=name)
    if survivor.contact_id != duplicate.contact_id:
        raise Conflict("Only tickets of the same customer are merged.", field="duplicate_id")
