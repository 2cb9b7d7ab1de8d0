"""Handlers of orders recorded directly (won opportunities place theirs when they close)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.domain.orders import record_order
from crm_sales.service_layer import present
from crm_sales.service_layer.customers import current_contact, publish_summaries
from crm_sales.service_layer.opportunities import priced
from crm_shared.errors import NotFound


def place_order(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    contact_id = current_contact(uow, fields["contact_id"])
    order = record_order(
        contact_id,
        fields["currency"],
        priced(uow, fields["lines"], "lines"),
        fields.get("ordered_at") or now,
        now,
        account_id=fields.get("account_id"),
        owner=fields.get("owner"),
    )
    uow.orders.add(order)
    body = present.order(order)
    uow.publish("order.placed", body, order.id)
    publish_summaries(uow, contact_id)
    return body, contact_id


def get_order(uow: Uow, order_id: uuid.UUID) -> dict[str, Any]:
    order = uow.orders.get(order_id)
    if order is None:
        raise NotFound("No such order.", order_id=str(order_id))
    return present.order(order)


def search_orders(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.orders.search(filters, filters["limit"])
    return present.page(found, next_cursor, present.order)
