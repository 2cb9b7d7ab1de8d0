"""Where marketing holds something about a person: re-pointed on merge, anonymised on erasure, counted."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.tables import (
    conversions,
    membership_announcements,
    plumbing,
    responses,
    segment_members,
    segments,
    sends,
)


class PrivacyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def move_history(self, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
        """Sends, responses, conversions and static-list places follow the survivor.

        A campaign that reached both keeps the merged id's send, so each send stays one
        row per campaign and contact and the statistics do not change.
        """
        both = sa.select(sends.c.campaign_id).where(sends.c.contact_id == survivor_id)
        self.conn.execute(
            sends.update()
            .where(sends.c.contact_id == merged_id, sends.c.campaign_id.not_in(both))
            .values(contact_id=survivor_id)
        )
        moved = sa.select(sends.c.id).where(sends.c.contact_id == survivor_id)
        self.conn.execute(
            responses.update()
            .where(responses.c.contact_id == merged_id, responses.c.send_id.in_(moved))
            .values(contact_id=survivor_id)
        )
        self.conn.execute(
            conversions.update().where(conversions.c.contact_id == merged_id).values(contact_id=survivor_id)
        )
        self._move_static_memberships(merged_id, survivor_id)

    def _move_static_memberships(self, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
        static = sa.select(segments.c.id).where(segments.c.kind == "static")
        held = sa.select(segment_members.c.segment_id).where(segment_members.c.contact_id == survivor_id)
        self.conn.execute(
            segment_members.update()
            .where(segment_members.c.contact_id == merged_id, segment_members.c.segment_id.in_(static))
            .where(segment_members.c.segment_id.not_in(held))
            .values(contact_id=survivor_id)
        )

    def anonymise(self, contact_id: uuid.UUID) -> None:
        """Sends and responses stay as anonymous counts; nothing links them to the person any more."""
        key = str(contact_id)
        self.conn.execute(segment_members.delete().where(segment_members.c.contact_id == contact_id))
        announcements = membership_announcements
        self.conn.execute(announcements.delete().where(announcements.c.contact_id == contact_id))
        self.conn.execute(sends.update().where(sends.c.contact_id == contact_id).values(contact_id=None))
        self.conn.execute(responses.update().where(responses.c.contact_id == contact_id).values(contact_id=None))
        self.conn.execute(conversions.update().where(conversions.c.contact_id == contact_id).values(contact_id=None))
        self.conn.execute(plumbing.outbox.delete().where(plumbing.outbox.c.aggregate_id == key))
        self.conn.execute(plumbing.idempotency.delete().where(plumbing.idempotency.c.subject_id == key))

    def counts(self, contact_id: uuid.UUID) -> dict[str, Any]:
        key = str(contact_id)
        outbox, idempotency = plumbing.outbox, plumbing.idempotency
        queries = {
            "segment_members": sa.select(sa.func.count()).where(segment_members.c.contact_id == contact_id),
            "membership_announcements": sa.select(sa.func.count()).where(
                membership_announcements.c.contact_id == contact_id
            ),
            "sends": sa.select(sa.func.count()).where(sends.c.contact_id == contact_id),
            "responses": sa.select(sa.func.count()).where(responses.c.contact_id == contact_id),
            "conversions": sa.select(sa.func.count()).where(conversions.c.contact_id == contact_id),
            "outbox": sa.select(sa.func.count()).where(outbox.c.aggregate_id == key),
            "idempotency_keys": sa.select(sa.func.count()).where(idempotency.c.subject_id == key),
        }
        return {place: int(self.conn.execute(query).scalar_one()) for place, query in queries.items()}
