"""Send records: claimed, marked and answered one state at a time, each state committed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.tables import audience, campaigns, responses, sends

OUTSTANDING = ("pending", "sending")


class SendRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, campaign_id: uuid.UUID, limit: int, now: datetime) -> list[int]:
        """Pending sends become ``sending``; SKIP LOCKED keeps two replicas off the same rows."""
        query = (
            sa.select(sends.c.id)
            .where(sends.c.campaign_id == campaign_id, sends.c.status == "pending")
            .order_by(sends.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = [row[0] for row in self.conn.execute(query)]
        if ids:
            self.conn.execute(
                sends.update()
                .where(sends.c.id.in_(ids))
                .values(status="sending", claimed_at=now, attempts=sends.c.attempts + 1)
            )
        return ids

    def expire_leases(self, older_than: datetime) -> int:
        """Claims whose process died mid-send: the mail may have gone, so it is never sent again."""
        result = self.conn.execute(
            sends.update()
            .where(sends.c.status == "sending", sends.c.claimed_at < older_than)
            .values(status="uncertain", skip_reason="interrupted")
        )
        return int(result.rowcount)

    def recipients(self, send_ids: list[int]) -> list[Any]:
        """The sends with what the read model says now about their contacts, in claim order."""
        query = (
            sa.select(
                sends,
                audience.c.email,
                audience.c.first_name,
                audience.c.last_name,
                audience.c.email_consent,
                audience.c.unsubscribed,
                audience.c.hard_bounced,
                audience.c.merged_into,
                campaigns.c.status.label("campaign_status"),
                campaigns.c.variants,
            )
            .select_from(
                sends.join(campaigns, campaigns.c.id == sends.c.campaign_id).outerjoin(
                    audience, audience.c.contact_id == sends.c.contact_id
                )
            )
            .where(sends.c.id.in_(send_ids))
            .order_by(sends.c.id)
        )
        return list(self.conn.execute(query))

    def get(self, send_id: int) -> Any:
        return self.conn.execute(sa.select(sends).where(sends.c.id == send_id)).first()

    def mark(self, send_id: int, status: str, **values: Any) -> None:
        self.conn.execute(sends.update().where(sends.c.id == send_id).values(status=status, **values))

    def mark_many(self, send_ids: list[int], status: str, **values: Any) -> None:
        if send_ids:
            self.conn.execute(sends.update().where(sends.c.id.in_(send_ids)).values(status=status, **values))

    def outstanding(self, campaign_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(sends.c.campaign_id == campaign_id, sends.c.status.in_(OUTSTANDING))
        return int(self.conn.execute(query).scalar_one())

    def cancel_pending(self, campaign_id: uuid.UUID) -> None:
        self.conn.execute(
            sends.update()
            .where(sends.c.campaign_id == campaign_id, sends.c.status == "pending")
            .values(status="skipped", skip_reason="cancelled")
        )

    def count(self, campaign_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(sends.c.campaign_id == campaign_id)
        return int(self.conn.execute(query).scalar_one())

    def record_response(self, send: Any, kind: str, at: datetime) -> None:
        self.conn.execute(
            responses.insert().values(
                send_id=send.id, campaign_id=send.campaign_id, contact_id=send.contact_id, kind=kind, at=at
            )
        )

    def awaiting_withdrawal(self, limit: int) -> list[Any]:
        query = (
            sa.select(sends.c.id, sends.c.contact_id)
            .where(sends.c.unsubscribed_at.is_not(None), sends.c.consent_withdrawn_at.is_(None))
            .where(sends.c.contact_id.is_not(None))
            .order_by(sends.c.unsubscribed_at)
            .limit(limit)
        )
        return list(self.conn.execute(query))
