"""Opportunities, their stage history, and the claim of stale ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from crm_sales.adapters.rows import lines_from_json, lines_to_json, search_key
from crm_sales.adapters.tables import opportunities, stage_changes, stages
from crm_sales.domain.opportunities import OPEN, Opportunity, StageChange
from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, like_prefix, page_after

FIELDS = (
    "id", "name", "pipeline_id", "stage_id", "status", "contact_id", "account_id", "owner", "amount",
    "currency", "probability", "expected_close_date", "next_step", "close_reason", "closed_at", "lead_id",
    "created_at", "updated_at", "last_activity_at", "version",
)  # fmt: skip


def _row(opportunity: Opportunity) -> dict[str, Any]:
    row = {name: getattr(opportunity, name) for name in FIELDS}
    row.update(name_key=search_key(opportunity.name), products=lines_to_json(opportunity.products))
    return row


def _opportunity(row: Row[Any]) -> Opportunity:
    values = {name: getattr(row, name) for name in FIELDS}
    return Opportunity(**values, stage=row.stage, products=lines_from_json(row.products))


def _select() -> sa.Select[Any]:
    return sa.select(opportunities, stages.c.name.label("stage")).join(stages, stages.c.id == opportunities.c.stage_id)


class OpportunityRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, opportunity: Opportunity) -> None:
        self.conn.execute(opportunities.insert().values(**_row(opportunity)))

    def get(self, opportunity_id: uuid.UUID) -> Opportunity | None:
        row = self.conn.execute(_select().where(opportunities.c.id == opportunity_id)).first()
        return _opportunity(row) if row else None

    def save(self, opportunity: Opportunity, expected_version: int) -> None:
        """Written only over the version that was read: a concurrent change makes this one stale."""
        values = {k: v for k, v in _row(opportunity).items() if k not in ("id", "created_at")}
        done = self.conn.execute(
            opportunities.update()
            .where(opportunities.c.id == opportunity.id, opportunities.c.version == expected_version)
            .values(**values)
        )
        if done.rowcount != 1:
            raise StaleVersion("The opportunity has changed since you read it.")

    def add_stage_change(self, change: StageChange) -> None:
        self.conn.execute(stage_changes.insert().values(id=uuid.uuid4(), **change.__dict__))

    def history(self, opportunity_id: uuid.UUID) -> list[StageChange]:
        rows = self.conn.execute(
            sa.select(stage_changes)
            .where(stage_changes.c.opportunity_id == opportunity_id)
            .order_by(stage_changes.c.changed_at, stage_changes.c.id)
        )
        return [StageChange(**{k: v for k, v in row._mapping.items() if k != "id"}) for row in rows]

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Opportunity], str | None]:
        query = _select().order_by(opportunities.c.created_at, opportunities.c.id).limit(limit + 1)
        for name in ("pipeline_id", "stage_id", "status", "owner", "contact_id", "account_id"):
            if filters.get(name) is not None:
                query = query.where(opportunities.c[name] == filters[name])
        if filters.get("q"):
            query = query.where(opportunities.c.name_key.like(like_prefix(search_key(filters["q"])), escape="\\"))
        if filters.get("close_from"):
            query = query.where(opportunities.c.expected_close_date >= filters["close_from"])
        if filters.get("close_to"):
            query = query.where(opportunities.c.expected_close_date <= filters["close_to"])
        if filters.get("cursor"):
            query = query.where(after_cursor(filters["cursor"], opportunities.c.created_at, opportunities.c.id))
        found = [_opportunity(row) for row in self.conn.execute(query)]
        return page_after(found, limit, lambda o: (o.created_at, o.id))

    def of_contact(self, contact_id: uuid.UUID, status: str | None = None, limit: int = 10_000) -> list[Opportunity]:
        query = _select().where(opportunities.c.contact_id == contact_id)
        if status is not None:
            query = query.where(opportunities.c.status == status)
        query = query.order_by(opportunities.c.created_at, opportunities.c.id).limit(limit)
        return [_opportunity(row) for row in self.conn.execute(query)]

    def note_activity(self, contact_id: uuid.UUID, at: datetime) -> int:
        """An interaction with the contact counts as activity on each of their open deals."""
        done = self.conn.execute(
            opportunities.update()
            .where(
                opportunities.c.contact_id == contact_id,
                opportunities.c.status == OPEN,
                opportunities.c.last_activity_at < at,
            )
            .values(last_activity_at=at)
        )
        return int(done.rowcount)

    def claim_stale(self, idle_before: datetime, now: datetime, limit: int = 500) -> list[Opportunity]:
        """Open deals idle since before ``idle_before`` and not yet reported for this idle spell.

        Locked with SKIP LOCKED, so each of several replicas reports a different set, each once.
        """
        claim = (
            sa.select(opportunities.c.id)
            .where(
                opportunities.c.status == OPEN,
                opportunities.c.last_activity_at < idle_before,
                sa.or_(
                    opportunities.c.stale_notified_at.is_(None),
                    opportunities.c.stale_notified_at < opportunities.c.last_activity_at,
                ),
            )
            .order_by(opportunities.c.last_activity_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = [row.id for row in self.conn.execute(claim)]
        if not ids:
            return []
        self.conn.execute(opportunities.update().where(opportunities.c.id.in_(ids)).values(stale_notified_at=now))
        return [_opportunity(row) for row in self.conn.execute(_select().where(opportunities.c.id.in_(ids)))]
