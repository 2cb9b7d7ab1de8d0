"""Customers' marketing parts of the customer 360, read for many contacts in four queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.tables import campaigns, responses, segment_members, segments, sends

RECENT = 20
CHUNK = 500


class CustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def summary(self, contact_id: uuid.UUID) -> dict[str, Any]:
        return self.summaries([contact_id])[contact_id]

    def summaries(self, contact_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        ids = sorted(set(contact_ids))
        result: dict[uuid.UUID, dict[str, Any]] = {}
        for start in range(0, len(ids), CHUNK):
            result.update(self._chunk(ids[start : start + CHUNK]))
        return result

    def _chunk(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        result: dict[uuid.UUID, dict[str, Any]] = {
            c: {"contact_id": c, "segments": [], "campaigns_received": [], "responses": [], "messages_sent": 0}
            for c in ids
        }
        for row in self.conn.execute(self._segments(ids)):
            result[row.contact_id]["segments"].append({"id": row.id, "name": row.name})
        for row in self.conn.execute(self._campaigns(ids)):
            result[row.contact_id]["campaigns_received"].append(
                {"campaign_id": row.id, "name": row.name, "channel": row.channel, "variant": row.variant,
                 "sent_at": row.sent_at}
            )  # fmt: skip
        for row in self.conn.execute(self._responses(ids)):
            result[row.contact_id]["responses"].append({"campaign_id": row.campaign_id, "kind": row.kind, "at": row.at})
        for contact_id, count in self.conn.execute(self._messages_sent(ids)):
            result[contact_id]["messages_sent"] = int(count)
        return result

    def _segments(self, ids: list[uuid.UUID]) -> Any:
        return (
            sa.select(segment_members.c.contact_id, segments.c.id, segments.c.name)
            .join(segment_members, segment_members.c.segment_id == segments.c.id)
            .where(segment_members.c.contact_id.in_(ids))
            .order_by(segment_members.c.contact_id, segments.c.name, segments.c.id)
        )

    def _campaigns(self, ids: list[uuid.UUID]) -> Any:
        newest = sa.func.row_number().over(
            partition_by=sends.c.contact_id, order_by=(sends.c.sent_at.desc(), sends.c.campaign_id)
        )
        ranked = (
            sa.select(sends.c.contact_id, sends.c.campaign_id, sends.c.variant, sends.c.sent_at, newest.label("n"))
            .where(sends.c.contact_id.in_(ids), sends.c.status == "sent")
            .subquery()
        )
        return (
            sa.select(
                ranked.c.contact_id,
                campaigns.c.id,
                campaigns.c.name,
                campaigns.c.channel,
                ranked.c.variant,
                ranked.c.sent_at,
            )  # fmt: skip
            .join(campaigns, campaigns.c.id == ranked.c.campaign_id)
            .where(ranked.c.n <= RECENT)
            .order_by(ranked.c.contact_id, ranked.c.n)
        )

    def _responses(self, ids: list[uuid.UUID]) -> Any:
        newest = sa.func.row_number().over(
            partition_by=responses.c.contact_id, order_by=(responses.c.at.desc(), responses.c.id.desc())
        )
        ranked = (
            sa.select(
                responses.c.contact_id, responses.c.campaign_id, responses.c.kind, responses.c.at, newest.label("n")
            )  # fmt: skip
            .where(responses.c.contact_id.in_(ids))
            .subquery()
        )
        return sa.select(ranked).where(ranked.c.n <= RECENT).order_by(ranked.c.contact_id, ranked.c.n)

    def _messages_sent(self, ids: list[uuid.UUID]) -> Any:
        return (
            sa.select(sends.c.contact_id, sa.func.count())
            .where(sends.c.contact_id.in_(ids), sends.c.status == "sent")
            .group_by(sends.c.contact_id)
        )
