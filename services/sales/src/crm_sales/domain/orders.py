"""Orders: what a customer bought, in one currency, from a won opportunity or recorded directly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_sales.domain.lines import Line, check_one_currency, total_of
from crm_sales.domain.opportunities import WON, Opportunity
from crm_shared.errors import Invalid


@dataclass(frozen=True)
class Order:
    id: uuid.UUID
    contact_id: uuid.UUID | None
    account_id: uuid.UUID | None
    opportunity_id: uuid.UUID | None
    owner: str | None
    ordered_at: datetime
    currency: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)


def record_order(
    contact_id: uuid.UUID,
    currency: str,
    lines: tuple[Line, ...],
    ordered_at: datetime,
    now: datetime,
    account_id: uuid.UUID | None = None,
    owner: str | None = None,
) -> Order:
    if ordered_at > now:
        raise Invalid("Input is not valid.", fields={"ordered_at": ["Must not be in the future."]})
    check_one_currency(lines, currency, "lines")
    return Order(uuid.uuid4(), contact_id, account_id, None, owner, ordered_at, currency, lines)


def order_for_won(opportunity: Opportunity) -> Order | None:
    """A won opportunity with products becomes the customer's order; one without has nothing to ship."""
    if opportunity.status != WON or not opportunity.products or opportunity.closed_at is None:
        return None
    return Order(
        id=uuid.uuid4(),
        contact_id=opportunity.contact_id,
        account_id=opportunity.account_id,
        opportunity_id=opportunity.id,
        owner=opportunity.owner,
        ordered_at=opportunity.closed_at,
        currency=opportunity.currency,
        lines=opportunity.products,
    )
