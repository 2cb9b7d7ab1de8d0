"""Campaigns, and choosing their audience in one statement when they start."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.tables import audience, campaigns, segment_members, sends
from crm_shared.pagination import after_cursor, page_after


class CampaignRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: dict[str, Any]) -> None:
        self.conn.execute(campaigns.insert().values(**values))

    def get(self, campaign_id: uuid.UUID, *, for_update: bool = False) -> Any:
        query = sa.select(campaigns).where(campaigns.c.id == campaign_id)
        return self.conn.execute(query.with_for_update() if for_update else query).first()

    def update(self, campaign_id: uuid.UUID, values: dict[str, Any]) -> None:
        self.conn.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(**values))

    def page(self, status: str | None, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        query = sa.select(campaigns).order_by(campaigns.c.created_at.desc(), campaigns.c.id.desc()).limit(limit + 1)
        if status:
            query = query.where(campaigns.c.status == status)
        if cursor:
            query = query.where(after_cursor(cursor, campaigns.c.created_at, campaigns.c.id, descending=True))
        rows = list(self.conn.execute(query))
        return page_after(rows, limit, lambda row: (row.created_at.isoformat(), row.id))

    def claim_due(self, now: datetime, limit: int = 10) -> list[Any]:
        """Scheduled campaigns whose time has come; SKIP LOCKED lets one replica start each."""
        query = (
            sa.select(campaigns)
            .where(campaigns.c.status == "scheduled", campaigns.c.send_at <= now)
            .order_by(campaigns.c.send_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.conn.execute(query))

    def running_ids(self) -> list[uuid.UUID]:
        query = sa.select(campaigns.c.id).where(campaigns.c.status == "running").order_by(campaigns.c.launched_at)
        return [row[0] for row in self.conn.execute(query)]

    def audience_size(self, segment_ids: list[uuid.UUID], exclude_ids: list[uuid.UUID]) -> int:
        recipients = self._recipients(segment_ids, exclude_ids).subquery()
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(recipients)).scalar_one())

    def add_recipients(self, campaign_id: uuid.UUID, row: Any) -> int:
        """One pending send per recipient, variants dealt in turn; suppressed contacts are left out."""
        recipients = self._recipients(row.segment_ids, row.exclude_segment_ids).subquery()
        names = [variant["name"] for variant in row.variants]
        turn = sa.func.row_number().over(order_by=recipients.c.contact_id) % len(names)
        variant = sa.case(*[(turn == index, name) for index, name in enumerate(names)], else_=names[0])
        chosen = sa.select(
            sa.literal(campaign_id, sa.Uuid()), recipients.c.contact_id, variant, sa.literal("pending"), sa.literal(0)
        )
        insert = sends.insert().from_select(["campaign_id", "contact_id", "variant", "status", "attempts"], chosen)
        return int(self.conn.execute(insert).rowcount)

    def _recipients(self, segment_ids: list[Any], exclude_ids: list[Any]) -> sa.Select[Any]:
        included = [_as_uuid(s) for s in segment_ids]
        excluded = [_as_uuid(s) for s in exclude_ids]
        members = sa.select(segment_members.c.contact_id).where(segment_members.c.segment_id.in_(included))
        query = (
            sa.select(audience.c.contact_id)
            .where(audience.c.contact_id.in_(members))
            .where(audience.c.merged_into.is_(None), audience.c.email.is_not(None))
            .where(sa.not_(audience.c.unsubscribed), sa.not_(audience.c.hard_bounced))
        )
        if excluded:
            left_out = sa.select(segment_members.c.contact_id).where(segment_members.c.segment_id.in_(excluded))
            query = query.where(audience.c.contact_id.not_in(left_out))
        return query


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
