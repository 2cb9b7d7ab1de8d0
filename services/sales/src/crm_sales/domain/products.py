"""The product catalogue: what can be sold and at what list price."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_sales.domain.lines import Line
from crm_shared.errors import Invalid


@dataclass(frozen=True)
class Product:
    id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    currency: str
    created_at: datetime
    active: bool = True
    version: int = 1


def new_product(fields: dict[str, Any], now: datetime) -> Product:
    price = fields["unit_price"]
    return Product(uuid.uuid4(), fields["sku"], fields["name"], price["amount"], price["currency"], now)


def change_product(product: Product, changes: dict[str, Any]) -> Product:
    if not changes:
        raise Invalid("Nothing to change.", fields={"_schema": ["No fields given."]})
    updated = replace(product, **{k: v for k, v in changes.items() if k != "unit_price"})
    if "unit_price" in changes:
        updated = replace(
            updated, unit_price=changes["unit_price"]["amount"], currency=changes["unit_price"]["currency"]
        )
    return replace(updated, version=product.version + 1)


def price_lines(wanted: list[dict[str, Any]], catalogue: dict[uuid.UUID, Product], field: str) -> tuple[Line, ...]:
    """Lines at the catalogue price (or the one given) of active products; unknown ones name their index."""
    lines = []
    for index, item in enumerate(wanted):
        product = catalogue.get(item["product_id"])
        if product is None or not product.active:
            raise Invalid("Input is not valid.", fields={field: {str(index): {"product_id": ["No such product."]}}})
        price = item.get("unit_price")
        lines.append(
            Line(
                product_id=product.id,
                product_name=product.name,
                quantity=item["quantity"],
                unit_price=product.unit_price if price is None else price,
                currency=product.currency,
            )
        )
    return tuple(lines)
