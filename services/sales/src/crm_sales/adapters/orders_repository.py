"""Orders and their lines."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_sales.adapters.tables import customer_totals, order_lines, orders
from crm_sales.domain.lines import Line
from crm_sales.domain.orders import Order
from crm_shared.db import dialect_insert
from crm_shared.pagination import after_cursor, page_after

HEAD = ("id", "contact_id", "account_id", "opportunity_id", "owner", "ordered_at", "currency")


class OrderRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, order: Order) -> None:
        self.conn.execute(orders.insert().values(**{n: getattr(order, n) for n in HEAD}, total=order.total))
        self.conn.execute(
            order_lines.insert(),
            [
                {
                    "order_id": order.id, "line_number": number, "product_id": line.product_id,
                    "product_name": line.product_name, "quantity": line.quantity,
                    "unit_price": line.unit_price, "total": line.total, "currency": order.currency,
                    "ordered_at": order.ordered_at,
                }
                for number, line in enumerate(order.lines, start=1)
            ],
        )  # fmt: skip
        self._count_in_totals(order)

    def _count_in_totals(self, order: Order) -> None:
        if order.contact_id is None:
            return
        totals = customer_totals
        insert = dialect_insert(self.conn)(totals).values(
            contact_id=order.contact_id, currency=order.currency, order_count=1, total=order.total,
            first_order_at=order.ordered_at, last_order_at=order.ordered_at,
        )  # fmt: skip
        new = insert.excluded
        self.conn.execute(
            insert.on_conflict_do_update(
                index_elements=[totals.c.contact_id, totals.c.currency],
                set_={
                    "order_count": totals.c.order_count + 1,
                    "total": totals.c.total + new.total,
                    "first_order_at": sa.case((new.first_order_at < totals.c.first_order_at, new.first_order_at),
                                              else_=totals.c.first_order_at),
                    "last_order_at": sa.case((new.last_order_at > totals.c.last_order_at, new.last_order_at),
                                             else_=totals.c.last_order_at),
                },
            )
        )  # fmt: skip

    def get(self, order_id: uuid.UUID) -> Order | None:
        found = self._with_lines(sa.select(orders).where(orders.c.id == order_id))
        return found[0] if found else None

    def of_opportunity(self, opportunity_id: uuid.UUID) -> Order | None:
        found = self._with_lines(sa.select(orders).where(orders.c.opportunity_id == opportunity_id))
        return found[0] if found else None

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Order], str | None]:
        """Newest first."""
        query = sa.select(orders).order_by(orders.c.ordered_at.desc(), orders.c.id.desc()).limit(limit + 1)
        for name in ("contact_id", "account_id"):
            if filters.get(name) is not None:
                query = query.where(orders.c[name] == filters[name])
        if filters.get("since"):
            query = query.where(orders.c.ordered_at >= filters["since"])
        if filters.get("until"):
            query = query.where(orders.c.ordered_at < filters["until"])
        if filters.get("cursor"):
            query = query.where(after_cursor(filters["cursor"], orders.c.ordered_at, orders.c.id, descending=True))
        found = self._with_lines(query)
        return page_after(found, limit, lambda o: (o.ordered_at, o.id))

    def _with_lines(self, query: sa.Select[Any]) -> list[Order]:
        heads = self.conn.execute(query).all()
        if not heads:
            return []
        rows = self.conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id.in_([h.id for h in heads]))
            .order_by(order_lines.c.order_id, order_lines.c.line_number)
        ).all()
        lines = {
            order_id: tuple(Line(r.product_id, r.product_name, r.quantity, r.unit_price, r.currency) for r in group)
            for order_id, group in groupby(rows, key=lambda r: r.order_id)
        }
        return [Order(**{n: getattr(h, n) for n in HEAD}, lines=lines.get(h.id, ())) for h in heads]
