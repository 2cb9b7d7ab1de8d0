"""The consent ledger, interactions and tasks of contacts."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_contacts.adapters.tables import consent_entries, interactions, tasks
from crm_contacts.domain.activities import Interaction, Task
from crm_contacts.domain.consent import ConsentEntry
from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, page_after


class ConsentLedger:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def entries(self, contact_id: uuid.UUID) -> list[ConsentEntry]:
        rows = self.conn.execute(
            sa.select(consent_entries)
            .where(consent_entries.c.contact_id == contact_id)
            .order_by(consent_entries.c.occurred_at, consent_entries.c.recorded_at)
        )
        return [ConsentEntry(**row._mapping) for row in rows]

    def append(self, entry: ConsentEntry) -> None:
        self.conn.execute(consent_entries.insert().values(**asdict(entry)))


class InteractionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, interaction: Interaction) -> None:
        self.conn.execute(interactions.insert().values(**asdict(interaction)))

    def timeline(self, contact_id: uuid.UUID, cursor: str | None, limit: int) -> tuple[list[Interaction], str | None]:
        """Newest first."""
        query = sa.select(interactions).where(interactions.c.contact_id == contact_id)
        if cursor:
            query = query.where(after_cursor(cursor, interactions.c.occurred_at, interactions.c.id, descending=True))
        rows = self.conn.execute(
            query.order_by(interactions.c.occurred_at.desc(), interactions.c.id.desc()).limit(limit + 1)
        ).all()
        items = [Interaction(**row._mapping) for row in rows]
        return page_after(items, limit, lambda i: (i.occurred_at, i.id))


class TaskRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, task_id: uuid.UUID) -> Task | None:
        row = self.conn.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
        return Task(**row._mapping) if row else None

    def add(self, task: Task) -> None:
        self.conn.execute(tasks.insert().values(**asdict(task)))

    def save(self, task: Task, previous_version: int) -> None:
        values = {k: v for k, v in asdict(task).items() if k != "id"}
        result = self.conn.execute(
            tasks.update().where(tasks.c.id == task.id, tasks.c.version == previous_version).values(**values)
        )
        if result.rowcount != 1:
            raise StaleVersion("The task was changed by someone else; reload and retry.")

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Task], str | None]:
        query = sa.select(tasks)
        for name in ("contact_id", "owner", "done"):
            if filters.get(name) is not None:
                query = query.where(tasks.c[name] == filters[name])
        if filters.get("due_before"):
            query = query.where(tasks.c.due_at < filters["due_before"])
        if cursor := filters.get("cursor"):
            query = query.where(after_cursor(cursor, tasks.c.due_at, tasks.c.id))
        rows = self.conn.execute(query.order_by(tasks.c.due_at, tasks.c.id).limit(limit + 1)).all()
        return page_after([Task(**row._mapping) for row in rows], limit, lambda t: (t.due_at, t.id))

    def claim_due(self, now: datetime, limit: int = 500) -> list[Task]:
        """Tasks due and not yet reminded, locked so that one replica reminds each once."""
        rows = self.conn.execute(
            sa.select(tasks)
            .where(tasks.c.reminded_at.is_(None), tasks.c.done.is_(False), tasks.c.due_at <= now)
            .order_by(tasks.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        due = [Task(**row._mapping) for row in rows]
        if due:
            self.conn.execute(tasks.update().where(tasks.c.id.in_([t.id for t in due])).values(reminded_at=now))
        return due
