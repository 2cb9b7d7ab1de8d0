"""Tickets as rows: the domain object flattened, tags mirrored into their own table for filtering."""

from __future__ import annotations

import uuid
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, page_after
from crm_support.adapters.tables import ticket_tags, tickets
from crm_support.domain.sla import SlaClock
from crm_support.domain.tickets import OPEN_STATUSES, Ticket

_CLOCK_COLUMNS = {
    "first_response_due_at": "first_response_due_at",
    "first_response_warn_at": "first_response_warn_at",
    "resolution_due_at": "resolution_due_at",
    "resolution_warn_at": "resolution_warn_at",
    "sla_paused_at": "paused_at",
}
_PLAIN = [f.name for f in dataclass_fields(Ticket) if f.name not in ("sla", "tags")]


def to_row(ticket: Ticket, next_check_at: datetime | None) -> dict[str, Any]:
    row = {name: getattr(ticket, name) for name in _PLAIN}
    row["tags"] = list(ticket.tags)
    for column, attribute in _CLOCK_COLUMNS.items():
        row[column] = getattr(ticket.sla, attribute)
    row["sla_fired"] = sorted(ticket.sla.fired)
    row["sla_next_check_at"] = next_check_at
    return row


def from_row(row: Any) -> Ticket:
    values = row._mapping
    clock = SlaClock(
        **{attribute: values[column] for column, attribute in _CLOCK_COLUMNS.items()},
        fired=frozenset(values["sla_fired"] or ()),
    )
    plain = {name: values[name] for name in _PLAIN}
    return Ticket(**plain, tags=tuple(values["tags"] or ()), sla=clock)


class TicketRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ticket_id: uuid.UUID, for_update: bool = False) -> Ticket | None:
        query = sa.select(tickets).where(tickets.c.id == ticket_id)
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        return from_row(row) if row else None

    def add(self, ticket: Ticket, next_check_at: datetime | None) -> None:
        self.conn.execute(tickets.insert().values(**to_row(ticket, next_check_at)))
        self._write_tags(ticket)

    def save(self, ticket: Ticket, previous_version: int, next_check_at: datetime | None) -> None:
        """Write the ticket if nobody changed it since ``previous_version`` was read."""
        values = to_row(ticket, next_check_at)
        del values["id"]
        result = self.conn.execute(
            tickets.update().where(tickets.c.id == ticket.id, tickets.c.version == previous_version).values(**values)
        )
        if result.rowcount != 1:
            raise StaleVersion("The ticket was changed by someone else; reload and retry.", field="version")
        self.conn.execute(ticket_tags.delete().where(ticket_tags.c.ticket_id == ticket.id))
        self._write_tags(ticket)

    def _write_tags(self, ticket: Ticket) -> None:
        if ticket.tags:
            self.conn.execute(ticket_tags.insert(), [{"ticket_id": ticket.id, "tag": t} for t in set(ticket.tags)])

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Ticket], str | None]:
        """Newest first, keyset-paginated on (created_at, id)."""
        query = sa.select(tickets).where(*_conditions(filters))
        if cursor := filters.get("cursor"):
            query = query.where(after_cursor(cursor, tickets.c.created_at, tickets.c.id, descending=True))
        rows = self.conn.execute(
            query.order_by(tickets.c.created_at.desc(), tickets.c.id.desc()).limit(limit + 1)
        ).all()
        return page_after([from_row(r) for r in rows], limit, lambda t: (t.created_at, t.id))

    def of_contact(self, contact_id: uuid.UUID) -> list[Ticket]:
        return self.of_contacts([contact_id]).get(contact_id, [])

    def of_contacts(self, contact_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Ticket]]:
        """Each contact's tickets, oldest first, in one query."""
        found: dict[uuid.UUID, list[Ticket]] = {}
        if contact_ids:
            rows = self.conn.execute(
                sa.select(tickets)
                .where(tickets.c.contact_id.in_(contact_ids))
                .order_by(tickets.c.created_at, tickets.c.id)
            )
            for row in rows:
                found.setdefault(row.contact_id, []).append(from_row(row))
        return found

    def save_sla_progress(self, progressed: list[tuple[Ticket, datetime | None]]) -> None:
        """Only the SLA columns of tickets the caller holds locked: one statement for the whole batch."""
        if not progressed:
            return
        statement = (
            tickets.update()
            .where(tickets.c.id == sa.bindparam("ticket_id"))
            .values(sla_fired=sa.bindparam("fired"), sla_next_check_at=sa.bindparam("next_check_at"))
        )
        self.conn.execute(
            statement,
            [{"ticket_id": t.id, "fired": sorted(t.sla.fired), "next_check_at": at} for t, at in progressed],
        )

    def claim_sla_due(self, now: datetime, limit: int) -> list[Ticket]:
        """Tickets with an SLA milestone due, locked so that one replica handles each once.

        Served by the partial index on ``sla_next_check_at``: the cost follows the due
        tickets, not the open ones.
        """
        rows = self.conn.execute(
            sa.select(tickets)
            .where(tickets.c.sla_next_check_at.is_not(None), tickets.c.sla_next_check_at <= now)
            .order_by(tickets.c.sla_next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [from_row(r) for r in rows]


def _conditions(filters: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for name in ("contact_id", "account_id", "status", "priority", "channel", "category", "assignee", "team"):
        if filters.get(name) is not None:
            found.append(tickets.c[name] == filters[name])
    if filters.get("open") is not None:
        is_open = tickets.c.status.in_(sorted(OPEN_STATUSES))
        found.append(is_open if filters["open"] else sa.not_(is_open))
    if filters.get("tag"):
        tagged = sa.select(ticket_tags.c.ticket_id).where(ticket_tags.c.tag == filters["tag"])
        found.append(tickets.c.id.in_(tagged))
    if filters.get("updated_since"):
        found.append(tickets.c.updated_at >= filters["updated_since"])
    if filters.get("q"):
        found.append(sa.func.lower(tickets.c.subject).contains(filters["q"].lower(), autoescape=True))
    return found
