"""Sales reports as single SQL statements: the database groups, ranks and sums; Python only reads rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from crm_sales.adapters.periods import days_between, period_label
from crm_sales.adapters.tables import customer_totals, opportunities, order_lines, orders, stages
from crm_sales.domain.opportunities import LOST, OPEN, WON

REPORT_WORK_MEM = "64MB"
REVENUE_KEYS = {"customer": orders.c.contact_id, "account": orders.c.account_id, "owner": orders.c.owner}


def weighted(o: sa.Table) -> sa.ColumnElement[Any]:
    # A NUMERIC divisor: integer division on SQLite, or floating point on PostgreSQL, would round.
    return o.c.amount * o.c.probability / sa.literal(Decimal(100), sa.Numeric(18, 2))


def _all_time(filters: dict[str, Any]) -> bool:
    return not (filters.get("since") or filters.get("until"))


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _within(column: Any, filters: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """``since`` and ``until`` are whole days, both included."""
    conditions = []
    if filters.get("since"):
        conditions.append(column >= _start(filters["since"]))
    if filters.get("until"):
        conditions.append(column < _start(filters["until"] + timedelta(days=1)))
    return conditions


def give_room_to_sort(conn: Connection) -> None:
    """Let a report's sorts and hash tables stay in memory on PostgreSQL (its default spills at 4 MB)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))


class SalesReports:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def _run(self, query: Any) -> Sequence[Row[Any]]:
        give_room_to_sort(self.conn)
        return self.conn.execute(query).all()

    def revenue(self, by: str, filters: dict[str, Any]) -> Sequence[Row[Any]]:
        """Order revenue per customer, account, owner, product or period, and currency."""
        if by == "product":
            return self._product_revenue(filters)
        if by == "customer" and _all_time(filters) and not filters.get("owner"):
            return self._top_customers(filters, "revenue", "orders")
        key = period_label(orders.c.ordered_at, filters["period"], self.dialect) if by == "period" else REVENUE_KEYS[by]
        revenue = sa.func.sum(orders.c.total)
        query = (
            sa.select(
                key.label("key"),
                sa.literal(None).label("label"),
                orders.c.currency,
                revenue.label("revenue"),
                sa.func.count().label("orders"),
            )  # fmt: skip
            .where(*_within(orders.c.ordered_at, filters), *self._order_filters(orders, filters))
            .group_by(key, orders.c.currency)
            .order_by(*((key, orders.c.currency) if by == "period" else (revenue.desc(), key)))
            .limit(filters["limit"])
        )
        return self._run(query)

    def _product_revenue(self, filters: dict[str, Any]) -> Sequence[Row[Any]]:
        lines = order_lines
        revenue = sa.func.sum(lines.c.total)
        query = (
            sa.select(
                lines.c.product_id.label("key"),
                sa.func.max(lines.c.product_name).label("label"),
                lines.c.currency,
                revenue.label("revenue"),
                sa.func.count().label("orders"),
            )  # fmt: skip
            .where(*_within(lines.c.ordered_at, filters), *self._order_filters(lines, filters))
            .group_by(lines.c.product_id, lines.c.currency)
            .order_by(revenue.desc(), lines.c.product_id)
            .limit(filters["limit"])
        )
        return self._run(query)

    @staticmethod
    def _order_filters(table: sa.Table, filters: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
        conditions = []
        if filters.get("currency"):
            conditions.append(table.c.currency == filters["currency"])
        if filters.get("owner") and "owner" in table.c:
            conditions.append(table.c.owner == filters["owner"])
        return conditions

    def performance(self, filters: dict[str, Any]) -> Sequence[Row[Any]]:
        """Per currency, of deals closed in the window: won, lost, average won amount and days to win."""
        o = opportunities
        won = o.c.status == WON
        query = (
            sa.select(
                o.c.currency,
                sa.func.count().filter(won).label("won"),
                sa.func.count().filter(o.c.status == LOST).label("lost"),
                sa.func.avg(o.c.amount).filter(won).label("average_deal_size"),
                sa.func.avg(days_between(o.c.created_at, o.c.closed_at, self.dialect)).filter(won).label("cycle"),
            )
            .where(o.c.status.in_((WON, LOST)), *_within(o.c.closed_at, filters), *self._deal_filters(filters))
            .group_by(o.c.currency)
            .order_by(o.c.currency)
        )
        return self._run(query)

    def _deal_filters(self, filters: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
        o = opportunities
        conditions = []
        for name in ("owner", "pipeline_id", "currency"):
            if filters.get(name):
                conditions.append(o.c[name] == filters[name])
        return conditions

    def pipeline_value(self, pipeline_id: uuid.UUID, filters: dict[str, Any]) -> Sequence[Row[Any]]:
        """Open deals of the pipeline per stage and currency: count, value, value times probability."""
        o = opportunities
        query = (
            sa.select(
                stages.c.id.label("stage_id"),
                stages.c.name.label("stage"),
                stages.c.position,
                o.c.currency,
                sa.func.count().label("opportunities"),
                sa.func.sum(o.c.amount).label("value"),
                sa.func.sum(weighted(o)).label("weighted_value"),
            )  # fmt: skip
            .join(stages, stages.c.id == o.c.stage_id)
            .where(o.c.status == OPEN, o.c.pipeline_id == pipeline_id, *self._deal_filters(filters))
            .group_by(stages.c.id, stages.c.name, stages.c.position, o.c.currency)
            .order_by(stages.c.position, o.c.currency)
        )
        return self._run(query)

    def _top_customers(self, filters: dict[str, Any], total: str, count: str) -> Sequence[Row[Any]]:
        """All-time figures come from the per-customer totals kept with each order: one row per customer."""
        t = customer_totals
        query = (
            sa.select(
                t.c.contact_id.label("key"),
                t.c.contact_id,
                sa.literal(None).label("label"),
                t.c.currency,
                t.c.total.label(total),
                t.c.order_count.label(count),
                t.c.first_order_at,
                t.c.last_order_at,
            )  # fmt: skip
            .order_by(t.c.total.desc(), t.c.contact_id)
            .limit(filters["limit"])
        )
        if filters.get("currency"):
            query = query.where(t.c.currency == filters["currency"])
        return self._run(query)

    def lifetime_values(self, filters: dict[str, Any]) -> Sequence[Row[Any]]:
        """Per customer and currency: everything they ever ordered, most valuable first."""
        if _all_time(filters) and not filters.get("owner"):
            return self._top_customers(filters, "lifetime_value", "orders")
        value = sa.func.sum(orders.c.total)
        query = (
            sa.select(
                orders.c.contact_id,
                orders.c.currency,
                value.label("lifetime_value"),
                sa.func.count().label("orders"),
                sa.func.min(orders.c.ordered_at, type_=orders.c.ordered_at.type).label("first_order_at"),
                sa.func.max(orders.c.ordered_at, type_=orders.c.ordered_at.type).label("last_order_at"),
            )  # fmt: skip
            .where(
                orders.c.contact_id.is_not(None),
                *_within(orders.c.ordered_at, filters),
                *self._order_filters(orders, filters),
            )  # fmt: skip
            .group_by(orders.c.contact_id, orders.c.currency)
            .order_by(value.desc(), orders.c.contact_id)
            .limit(filters["limit"])
        )
        return self._run(query)

    def weighted_forecast(self, filters: dict[str, Any], commit_min: int, best_case_min: int) -> Sequence[Row[Any]]:
        """Open deals per expected close period and currency: total, weighted, best case and commit."""
        o = opportunities
        period = sa.func.coalesce(period_label(o.c.expected_close_date, filters["period"], self.dialect, True),
                                  "unscheduled")  # fmt: skip
        window = []
        if filters.get("since"):
            window.append(o.c.expected_close_date >= filters["since"])
        if filters.get("until"):
            window.append(o.c.expected_close_date <= filters["until"])
        query = (
            sa.select(
                period.label("period"),
                o.c.currency,
                sa.func.count().label("opportunities"),
                sa.func.sum(o.c.amount).label("pipeline"),
                sa.func.sum(weighted(o)).label("weighted"),
                sa.func.coalesce(sa.func.sum(o.c.amount).filter(o.c.probability >= best_case_min), 0).label(
                    "best_case"
                ),
                sa.func.coalesce(sa.func.sum(o.c.amount).filter(o.c.probability >= commit_min), 0).label("commit"),
            )  # fmt: skip
            .where(o.c.status == OPEN, *window, *self._deal_filters(filters))
            .group_by(period, o.c.currency)
            .order_by(period, o.c.currency)
        )
        return self._run(query)

    def monthly_revenue(self, currency: str) -> Sequence[Row[Any]]:
        month = period_label(orders.c.ordered_at, "month", self.dialect)
        query = (
            sa.select(month.label("period"), sa.func.sum(orders.c.total).label("revenue"))
            .where(orders.c.currency == currency)
            .group_by(month)
            .order_by(month)
        )
        return self._run(query)
