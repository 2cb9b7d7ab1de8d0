"""RFM scores ranked in the database (NTILE over every customer's orders), and the stored tiers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_sales.adapters.reports import give_room_to_sort
from crm_sales.adapters.tables import customer_totals, rfm_scores
from crm_sales.domain.rfm import TIER_THRESHOLDS
from crm_shared.pagination import after_cursor, page_after

QUINTILES = 5
RANKED = ["contact_id", "recency", "frequency", "monetary", "tier"]


def _staging_table() -> sa.Table:
    return sa.Table(
        "rfm_fresh",
        sa.MetaData(),
        sa.Column("contact_id", sa.Uuid(), primary_key=True),
        sa.Column("recency", sa.Integer()),
        sa.Column("frequency", sa.Integer()),
        sa.Column("monetary", sa.Integer()),
        sa.Column("tier", sa.String(10)),
        prefixes=["TEMPORARY"],
    )


def scored_customers(currency: str) -> sa.Select[Any]:
    """Each customer's recency, frequency and monetary quintile (5 best) and tier, from orders in ``currency``."""
    per_customer = (
        sa.select(
            customer_totals.c.contact_id,
            customer_totals.c.last_order_at,
            customer_totals.c.order_count,
            customer_totals.c.total.label("value"),
        )
        .where(customer_totals.c.currency == currency)
        .subquery()
    )
    ranked = sa.select(
        per_customer.c.contact_id,
        sa.func.ntile(QUINTILES).over(order_by=per_customer.c.last_order_at).label("recency"),
        sa.func.ntile(QUINTILES).over(order_by=per_customer.c.order_count).label("frequency"),
        sa.func.ntile(QUINTILES).over(order_by=per_customer.c.value).label("monetary"),
    ).subquery()
    total = ranked.c.recency + ranked.c.frequency + ranked.c.monetary
    tier = sa.case(*((total >= lowest, name) for name, lowest in TIER_THRESHOLDS), else_="bronze")
    return sa.select(ranked.c.contact_id, ranked.c.recency, ranked.c.frequency, ranked.c.monetary, tier.label("tier"))


class RfmRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def refresh(self, currency: str, now: datetime) -> tuple[int, list[uuid.UUID]]:
        """Replace the stored scores; answers how many were scored and whose tier changed (or appeared/went).

        The ranking runs once, into a temporary table dropped in the same transaction.
        """
        give_room_to_sort(self.conn)
        fresh = _staging_table()
        fresh.create(self.conn)
        ranked = scored_customers(currency)
        scored = self.conn.execute(fresh.insert().from_select(RANKED, ranked)).rowcount
        appeared_or_moved = (
            sa.select(fresh.c.contact_id)
            .outerjoin(rfm_scores, rfm_scores.c.contact_id == fresh.c.contact_id)
            .where(sa.or_(rfm_scores.c.tier.is_(None), rfm_scores.c.tier != fresh.c.tier))
        )
        gone = sa.select(rfm_scores.c.contact_id).where(rfm_scores.c.contact_id.not_in(sa.select(fresh.c.contact_id)))
        changed = [row[0] for row in self.conn.execute(sa.union_all(appeared_or_moved, gone))]
        self.conn.execute(rfm_scores.delete())
        source = sa.select(*(fresh.c[name] for name in RANKED), sa.literal(now, rfm_scores.c.computed_at.type))
        self.conn.execute(rfm_scores.insert().from_select([*RANKED, "computed_at"], source))
        fresh.drop(self.conn)
        return int(scored), [c if isinstance(c, uuid.UUID) else uuid.UUID(str(c)) for c in changed]

    def page(self, tier: str | None, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        query = sa.select(rfm_scores).order_by(rfm_scores.c.computed_at, rfm_scores.c.contact_id).limit(limit + 1)
        if tier:
            query = query.where(rfm_scores.c.tier == tier)
        if cursor:
            query = query.where(after_cursor(cursor, rfm_scores.c.computed_at, rfm_scores.c.contact_id))
        found = [dict(row._mapping) for row in self.conn.execute(query)]
        return page_after(found, limit, lambda row: (row["computed_at"], row["contact_id"]))
