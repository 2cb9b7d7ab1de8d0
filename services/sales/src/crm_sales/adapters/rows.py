"""Mapping between domain objects and rows where several repositories need it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from crm_sales.domain.lines import Line


def lines_to_json(lines: tuple[Line, ...]) -> list[dict[str, Any]]:
    return [
        {
            "product_id": str(line.product_id),
            "product_name": line.product_name,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "currency": line.currency,
        }
        for line in lines
    ]


def lines_from_json(items: list[dict[str, Any]] | None) -> tuple[Line, ...]:
    return tuple(
        Line(
            product_id=uuid.UUID(item["product_id"]),
            product_name=item["product_name"],
            quantity=int(item["quantity"]),
            unit_price=Decimal(item["unit_price"]),
            currency=item["currency"],
        )
        for item in items or []
    )


def search_key(text: str | None) -> str:
    return (text or "").strip().casefold()
