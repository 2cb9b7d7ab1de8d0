"""Priced product lines, on an opportunity or an order: money as Decimal, one currency per document."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.errors import Invalid

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    product_id: uuid.UUID
    product_name: str
    quantity: int
    unit_price: Decimal
    currency: str

    @property
    def total(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)


def total_of(lines: tuple[Line, ...]) -> Decimal:
    return sum((line.total for line in lines), Decimal("0.00"))


def check_one_currency(lines: tuple[Line, ...], currency: str, field: str) -> None:
    """No conversion between currencies: every line is in the document's currency."""
    for index, line in enumerate(lines):
        if line.currency != currency:
            raise Invalid(
                "Input is not valid.",
                fields={field: {str(index): [f"Priced in {line.currency}, not {currency}."]}},
            )
