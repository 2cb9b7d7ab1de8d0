"""Leads, and the turns of the round-robin assignment."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_sales.adapters.tables import assignment_turns, leads
from crm_sales.domain.leads import Lead
from crm_shared.db import dialect_insert
from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, page_after

FIELDS = tuple(f.name for f in dataclasses.fields(Lead))


class LeadRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, lead: Lead) -> None:
        self.conn.execute(leads.insert().values(**dataclasses.asdict(lead)))

    def get(self, lead_id: uuid.UUID) -> Lead | None:
        row = self.conn.execute(sa.select(leads).where(leads.c.id == lead_id)).first()
        return Lead(**{name: getattr(row, name) for name in FIELDS}) if row else None

    def save(self, lead: Lead, expected_version: int) -> None:
        values = {k: v for k, v in dataclasses.asdict(lead).items() if k not in ("id", "created_at")}
        done = self.conn.execute(
            leads.update().where(leads.c.id == lead.id, leads.c.version == expected_version).values(**values)
        )
        if done.rowcount != 1:
            raise StaleVersion("The lead has changed since you read it.")

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Lead], str | None]:
        query = sa.select(leads).order_by(leads.c.created_at, leads.c.id).limit(limit + 1)
        for name in ("status", "owner", "channel"):
            if filters.get(name) is not None:
                query = query.where(leads.c[name] == filters[name])
        if filters.get("min_score") is not None:
            query = query.where(leads.c.score >= filters["min_score"])
        if filters.get("cursor"):
            query = query.where(after_cursor(filters["cursor"], leads.c.created_at, leads.c.id))
        found = [Lead(**{name: getattr(row, name) for name in FIELDS}) for row in self.conn.execute(query)]
        return page_after(found, limit, lambda lead: (lead.created_at, lead.id))

    def of_contact(self, contact_id: uuid.UUID) -> list[Lead]:
        rows = self.conn.execute(sa.select(leads).where(leads.c.contact_id == contact_id).order_by(leads.c.created_at))
        return [Lead(**{name: getattr(row, name) for name in FIELDS}) for row in rows]

    def next_turn(self, rotation: str) -> int:
        """0, 1, 2, ... per rotation; concurrent callers queue on the counter's row."""
        insert = dialect_insert(self.conn)(assignment_turns)
        upsert = (
            insert.values(rotation=rotation, turns=1)
            .on_conflict_do_update(
                index_elements=[assignment_turns.c.rotation], set_={"turns": assignment_turns.c.turns + 1}
            )
            .returning(assignment_turns.c.turns)
        )
        return int(self.conn.execute(upsert).scalar_one()) - 1
