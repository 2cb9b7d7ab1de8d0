"""Segments and their members; membership is computed by SQL over the audience read model."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.segment_sql import matching_contacts, segment_condition
from crm_marketing.adapters.tables import audience, membership_announcements, segment_members, segments
from crm_shared.pagination import after_cursor, page_after


class SegmentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: dict[str, Any]) -> None:
        self.conn.execute(segments.insert().values(**values))

    def get(self, segment_id: uuid.UUID, *, for_update: bool = False) -> Any:
        query = sa.select(segments).where(segments.c.id == segment_id)
        return self.conn.execute(query.with_for_update() if for_update else query).first()

    def update(self, segment_id: uuid.UUID, values: dict[str, Any]) -> None:
        self.conn.execute(segments.update().where(segments.c.id == segment_id).values(**values))

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        query = sa.select(segments).order_by(segments.c.created_at, segments.c.id).limit(limit + 1)
        if cursor:
            query = query.where(after_cursor(cursor, segments.c.created_at, segments.c.id))
        rows = list(self.conn.execute(query))
        return page_after(rows, limit, lambda row: (row.created_at.isoformat(), row.id))

    def member_counts(self, segment_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
        query = (
            sa.select(segment_members.c.segment_id, sa.func.count())
            .where(segment_members.c.segment_id.in_(segment_ids))
            .group_by(segment_members.c.segment_id)
        )
        return {row[0]: int(row[1]) for row in self.conn.execute(query)}

    def preview_count(self, rules: dict[str, Any], now: datetime) -> int:
        query = sa.select(sa.func.count()).select_from(audience).where(segment_condition(rules, now))
        return int(self.conn.execute(query).scalar_one())

    def members_page(self, segment_id: uuid.UUID, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        query = (
            sa.select(segment_members.c.contact_id, segment_members.c.joined_at)
            .where(segment_members.c.segment_id == segment_id)
            .order_by(segment_members.c.joined_at, segment_members.c.contact_id)
            .limit(limit + 1)
        )
        if cursor:
            query = query.where(after_cursor(cursor, segment_members.c.joined_at, segment_members.c.contact_id))
        rows = list(self.conn.execute(query))
        return page_after(rows, limit, lambda row: (row.joined_at.isoformat(), row.contact_id))

    def refresh(self, segment_id: uuid.UUID, rules: dict[str, Any], now: datetime) -> tuple[list[Any], list[Any]]:
        """Bring a dynamic segment's members in line with its rules: two statements, no loop over contacts."""
        matching = matching_contacts(rules, now).subquery()
        current = sa.select(segment_members.c.contact_id).where(segment_members.c.segment_id == segment_id)
        joining = sa.select(
            sa.literal(segment_id, sa.Uuid()), matching.c.contact_id, sa.literal(now, segments.c.created_at.type)
        ).where(matching.c.contact_id.not_in(current))
        insert = segment_members.insert().from_select(["segment_id", "contact_id", "joined_at"], joining)
        joined = [row[0] for row in self.conn.execute(insert.returning(segment_members.c.contact_id))]
        delete = segment_members.delete().where(
            segment_members.c.segment_id == segment_id,
            segment_members.c.contact_id.not_in(sa.select(matching.c.contact_id)),
        )
        left = [row[0] for row in self.conn.execute(delete.returning(segment_members.c.contact_id))]
        return joined, left

    def dynamic_segments(self) -> list[Any]:
        return list(self.conn.execute(sa.select(segments).where(segments.c.kind == "dynamic")))

    def matches(self, rules: dict[str, Any], contact_id: uuid.UUID, now: datetime) -> bool:
        query = matching_contacts(rules, now, one_contact=True).where(audience.c.contact_id == contact_id)
        return self.conn.execute(query).first() is not None

    def memberships_of(self, contact_id: uuid.UUID) -> list[Any]:
        query = (
            sa.select(segments.c.id, segments.c.name, segments.c.kind)
            .join(segment_members, segment_members.c.segment_id == segments.c.id)
            .where(segment_members.c.contact_id == contact_id)
            .order_by(segments.c.name, segments.c.id)
        )
        return list(self.conn.execute(query))

    def add_member(self, segment_id: uuid.UUID, contact_id: uuid.UUID, now: datetime) -> bool:
        exists = sa.select(segment_members.c.contact_id).where(
            segment_members.c.segment_id == segment_id, segment_members.c.contact_id == contact_id
        )
        if self.conn.execute(exists).first() is not None:
            return False
        self.conn.execute(segment_members.insert().values(segment_id=segment_id, contact_id=contact_id, joined_at=now))
        return True

    def remove_member(self, segment_id: uuid.UUID, contact_id: uuid.UUID) -> bool:
        result = self.conn.execute(
            segment_members.delete().where(
                segment_members.c.segment_id == segment_id, segment_members.c.contact_id == contact_id
            )
        )
        return bool(result.rowcount)

    def remove_contact_everywhere(self, contact_id: uuid.UUID) -> list[uuid.UUID]:
        query = segment_members.delete().where(segment_members.c.contact_id == contact_id)
        return [row[0] for row in self.conn.execute(query.returning(segment_members.c.segment_id))]

    def count_mentions(self, contact_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(segment_members.c.contact_id == contact_id)
        return int(self.conn.execute(query).scalar_one())

    def queue_announcements(self, segment_id: uuid.UUID, contact_ids: list[uuid.UUID], change: str) -> None:
        rows = [{"segment_id": segment_id, "contact_id": c, "change": change} for c in contact_ids]
        if rows:
            self.conn.execute(membership_announcements.insert(), rows)

    def take_announcements(self, limit: int, contact_id: uuid.UUID | None = None) -> list[Any]:
        """Queued changes, oldest first, removed as they are taken; SKIP LOCKED keeps replicas apart."""
        table = membership_announcements
        query = (
            sa.select(table.c.id, table.c.segment_id, table.c.contact_id, table.c.change, segments.c.name)
            .join(segments, segments.c.id == table.c.segment_id)
            .order_by(table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=table)
        )
        if contact_id is not None:
            query = query.where(table.c.contact_id == contact_id)
        rows = list(self.conn.execute(query))
        if rows:
            self.conn.execute(table.delete().where(table.c.id.in_([row.id for row in rows])))
        return rows
