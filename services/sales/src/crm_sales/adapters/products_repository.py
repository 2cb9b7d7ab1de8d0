"""The product catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from crm_sales.adapters.rows import search_key
from crm_sales.adapters.tables import products
from crm_sales.domain.products import Product
from crm_shared.errors import Conflict, StaleVersion
from crm_shared.pagination import after_cursor, like_prefix, page_after


def _row(product: Product) -> dict[str, Any]:
    return {
        "id": product.id, "sku": product.sku, "name": product.name, "name_key": search_key(product.name),
        "unit_price": product.unit_price, "currency": product.currency, "active": product.active,
        "created_at": product.created_at, "version": product.version,
    }  # fmt: skip


def _product(row: Row[Any]) -> Product:
    return Product(row.id, row.sku, row.name, row.unit_price, row.currency, row.created_at, row.active, row.version)


class ProductRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, product: Product) -> None:
        taken = self.conn.execute(sa.select(products.c.id).where(products.c.sku == product.sku)).first()
        if taken:
            raise Conflict("A product has this SKU already.", field="sku")
        self.conn.execute(products.insert().values(**_row(product)))

    def get(self, product_id: uuid.UUID) -> Product | None:
        row = self.conn.execute(sa.select(products).where(products.c.id == product_id)).first()
        return _product(row) if row else None

    def by_ids(self, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
        wanted = list(set(product_ids))
        if not wanted:
            return {}
        rows = self.conn.execute(sa.select(products).where(products.c.id.in_(wanted)))
        return {row.id: _product(row) for row in rows}

    def save(self, product: Product, expected_version: int) -> None:
        values = {k: v for k, v in _row(product).items() if k not in ("id", "sku", "created_at")}
        done = self.conn.execute(
            products.update()
            .where(products.c.id == product.id, products.c.version == expected_version)
            .values(**values)
        )
        if done.rowcount != 1:
            raise StaleVersion("The product has changed since you read it.")

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Product], str | None]:
        query = sa.select(products).order_by(products.c.created_at, products.c.id).limit(limit + 1)
        if filters.get("q"):
            query = query.where(products.c.name_key.like(like_prefix(search_key(filters["q"])), escape="\\"))
        if filters.get("active") is not None:
            query = query.where(products.c.active.is_(filters["active"]))
        if filters.get("cursor"):
            query = query.where(after_cursor(filters["cursor"], products.c.created_at, products.c.id))
        found = [_product(row) for row in self.conn.execute(query)]
        return page_after(found, limit, lambda p: (p.created_at, p.id))
