"""The customer's sales summary (customer 360), and keeping subscribers' copies of it current."""

from __future__ import annotations

import uuid
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.domain.opportunities import Opportunity
from crm_sales.service_layer import present
from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.summaries import SalesSummarySchema
from crm_shared.errors import Gone

RECENT_ORDERS = 10
OPEN_SHOWN = 50


def sales_summary(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    """The whole sales part of the customer 360, as the RPC answers and the event carries it."""
    counts = uow.customers.status_counts(contact_id)
    order_count, lifetime, last_order_at = uow.customers.order_totals(contact_id)
    recent, _ = uow.orders.search({"contact_id": contact_id}, RECENT_ORDERS)
    summary = {
        "contact_id": contact_id,
        "open_opportunities": [_open_item(o) for o in uow.opportunities.of_contact(contact_id, "open", OPEN_SHOWN)],
        "won_count": counts.get("won", 0),
        "lost_count": counts.get("lost", 0),
        "order_count": order_count,
        "recent_orders": [
            {"id": o.id, "ordered_at": o.ordered_at, "total": present.money(o.total, o.currency)} for o in recent
        ],
        "lifetime_value": [present.money(amount, currency) for currency, amount in lifetime],
        "last_order_at": last_order_at,
        "rfm": uow.customers.rfm(contact_id),
    }
    return dict(schema_instance(SalesSummarySchema).dump(summary))


def _open_item(opportunity: Opportunity) -> dict[str, Any]:
    keep = ("id", "name", "pipeline_id", "stage", "probability", "expected_close_date", "owner")
    return {name: getattr(opportunity, name) for name in keep} | {
        "amount": present.money(opportunity.amount, opportunity.currency)
    }


def publish_summaries(uow: Uow, *contact_ids: uuid.UUID | None) -> None:
    """In the transaction of the change: the whole new summary of each customer it touched."""
    for contact_id in dict.fromkeys(c for c in contact_ids if c is not None):
        body = {"contact_id": str(contact_id), "part": "sales", "summary": sales_summary(uow, contact_id)}
        uow.publish("customer_summary.updated", body, contact_id)


def current_contact(uow: Uow, contact_id: uuid.UUID) -> uuid.UUID:
    """The contact a new record belongs to: a merged one's survivor; an erased one takes nothing new."""
    seen = {contact_id}
    while (survivor := uow.customers.survivor_of(contact_id)) is not None and survivor not in seen:
        seen.add(survivor)
        contact_id = survivor
    if uow.customers.is_erased(contact_id):
        raise Gone("The contact was erased.", field="contact_id")
    return contact_id


def get_summary(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    return sales_summary(uow, contact_id)
