"""A campaign's performance counted in SQL: per variant, with won opportunities inside each send's window."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.tables import conversions, sends


def _count_where(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


class PerformanceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record_conversion(self, data: dict[str, Any], won_at: datetime) -> None:
        exists = sa.select(conversions.c.opportunity_id).where(conversions.c.opportunity_id == data["id"])
        if self.conn.execute(exists).first() is None:
            self.conn.execute(
                conversions.insert().values(
                    opportunity_id=data["id"], contact_id=data["contact_id"], amount=data["amount"]["amount"],
                    currency=data["amount"]["currency"], won_at=won_at,
                )
            )  # fmt: skip

    def variant_counts(self, campaign_id: uuid.UUID) -> dict[str, dict[str, int]]:
        handed_over = sa.or_(sends.c.sent_at.is_not(None), sends.c.status == "bounced")
        query = (
            sa.select(
                sends.c.variant,
                sa.func.count().label("recipients"),
                _count_where(handed_over).label("sent"),
                _count_where(sends.c.bounced_at.is_not(None)).label("bounced"),
                _count_where(sends.c.status.in_(("skipped", "failed", "uncertain"))).label("skipped"),
                _count_where(sends.c.opened_at.is_not(None)).label("opened"),
                _count_where(sends.c.clicked_at.is_not(None)).label("clicked"),
                _count_where(sends.c.unsubscribed_at.is_not(None)).label("unsubscribed"),
            )
            .where(sends.c.campaign_id == campaign_id)
            .group_by(sends.c.variant)
        )
        return {
            row.variant: {k: int(v or 0) for k, v in row._mapping.items() if k != "variant"}
            for row in self.conn.execute(query)
        }

    def conversions(self, campaign_id: uuid.UUID) -> dict[str, int]:
        query = (
            sa.select(sends.c.variant, sa.func.count(sa.distinct(sends.c.id)))
            .join(conversions, self._attributed())
            .where(sends.c.campaign_id == campaign_id)
            .group_by(sends.c.variant)
        )
        return {row[0]: int(row[1]) for row in self.conn.execute(query)}

    def revenue(self, campaign_id: uuid.UUID) -> dict[str, dict[str, Decimal]]:
        """Per variant and currency; each opportunity once (a campaign mails a contact once)."""
        query = (
            sa.select(sends.c.variant, conversions.c.currency, sa.func.sum(conversions.c.amount))
            .join(conversions, self._attributed())
            .where(sends.c.campaign_id == campaign_id)
            .group_by(sends.c.variant, conversions.c.currency)
        )
        result: dict[str, dict[str, Decimal]] = {}
        for variant, currency, total in self.conn.execute(query):
            result.setdefault(variant, {})[currency] = Decimal(total).quantize(Decimal("0.01"))
        return result

    def _attributed(self) -> Any:
        return sa.and_(
            conversions.c.contact_id == sends.c.contact_id,
            conversions.c.won_at >= sends.c.sent_at,
            conversions.c.won_at <= sends.c.attribution_until,
        )

    def count_mentions(self, contact_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(conversions.c.contact_id == contact_id)
        return int(self.conn.execute(query).scalar_one())
