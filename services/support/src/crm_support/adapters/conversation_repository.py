"""A ticket's replies, internal notes, attachment metadata and history of changes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_shared.pagination import after_cursor, page_after
from crm_support.adapters.tables import ticket_attachments, ticket_history, ticket_messages


class ConversationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_message(self, message: dict[str, Any]) -> None:
        self.conn.execute(ticket_messages.insert().values(**message))

    def add_attachments(self, attachments: list[dict[str, Any]]) -> None:
        if attachments:
            self.conn.execute(ticket_attachments.insert(), attachments)

    def record(
        self, ticket_id: uuid.UUID, action: str, actor: str | None, changes: dict[str, Any], at: datetime
    ) -> None:
        """One entry of the ticket's history: who changed what, when."""
        self.record_many([(ticket_id, changes)], action, actor, at)

    def record_many(
        self, entries: list[tuple[uuid.UUID, dict[str, Any]]], action: str, actor: str | None, at: datetime
    ) -> None:
        if entries:
            rows = [
                {"id": uuid.uuid4(), "ticket_id": ticket_id, "action": action, "actor": actor, "changes": changes,
                 "occurred_at": at}
                for ticket_id, changes in entries
            ]  # fmt: skip
            self.conn.execute(ticket_history.insert(), rows)

    def messages(
        self, ticket_id: uuid.UUID, kinds: tuple[str, ...], cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Oldest first, each with its attachments."""
        query = sa.select(ticket_messages).where(
            ticket_messages.c.ticket_id == ticket_id, ticket_messages.c.kind.in_(kinds)
        )
        if cursor:
            query = query.where(after_cursor(cursor, ticket_messages.c.created_at, ticket_messages.c.id))
        rows = self.conn.execute(
            query.order_by(ticket_messages.c.created_at, ticket_messages.c.id).limit(limit + 1)
        ).all()
        found = [dict(r._mapping) for r in rows]
        files = self.attachments_of([m["id"] for m in found])
        for message in found:
            message["attachments"] = files.get(message["id"], [])
        return page_after(found, limit, lambda m: (m["created_at"], m["id"]))

    def attachments_of(self, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        by_message: dict[uuid.UUID, list[dict[str, Any]]] = {}
        if message_ids:
            rows = self.conn.execute(
                sa.select(ticket_attachments)
                .where(ticket_attachments.c.message_id.in_(message_ids))
                .order_by(ticket_attachments.c.created_at, ticket_attachments.c.id)
            )
            for row in rows:
                by_message.setdefault(row.message_id, []).append(dict(row._mapping))
        return by_message

    def ticket_attachments(self, ticket_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            sa.select(ticket_attachments)
            .where(ticket_attachments.c.ticket_id == ticket_id)
            .order_by(ticket_attachments.c.created_at, ticket_attachments.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def history(self, ticket_id: uuid.UUID, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """Oldest first."""
        query = sa.select(ticket_history).where(ticket_history.c.ticket_id == ticket_id)
        if cursor:
            query = query.where(after_cursor(cursor, ticket_history.c.occurred_at, ticket_history.c.id))
        rows = self.conn.execute(
            query.order_by(ticket_history.c.occurred_at, ticket_history.c.id).limit(limit + 1)
        ).all()
        return page_after([dict(r._mapping) for r in rows], limit, lambda h: (h["occurred_at"], h["id"]))

    def move_to(self, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> int:
        """A merged duplicate's conversation continues on the survivor; answers how many messages moved."""
        moved = self.conn.execute(
            ticket_messages.update().where(ticket_messages.c.ticket_id == duplicate_id).values(ticket_id=survivor_id)
        ).rowcount
        self.conn.execute(
            ticket_attachments.update()
            .where(ticket_attachments.c.ticket_id == duplicate_id)
            .values(ticket_id=survivor_id)
        )
        return int(moved)
