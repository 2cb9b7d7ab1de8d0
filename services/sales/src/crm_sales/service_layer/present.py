"""Domain objects as their published, JSON-ready representation (the contract schemas)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from crm_sales.domain.leads import Lead
from crm_sales.domain.lines import Line
from crm_sales.domain.opportunities import Opportunity, StageChange
from crm_sales.domain.orders import Order
from crm_sales.domain.pipelines import Pipeline
from crm_sales.domain.products import Product
from crm_shared.contracts import sales as s
from crm_shared.contracts.loading import schema_instance


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def line(value: Line) -> dict[str, Any]:
    return {
        "product_id": value.product_id,
        "product_name": value.product_name,
        "quantity": value.quantity,
        "unit_price": money(value.unit_price, value.currency),
        "total": money(value.total, value.currency),
    }


def pipeline(value: Pipeline) -> dict[str, Any]:
    return dict(schema_instance(s.PipelineSchema).dump(dataclasses.asdict(value)))


def opportunity(value: Opportunity) -> dict[str, Any]:
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    fields.update(amount=money(value.amount, value.currency), products=[line(item) for item in value.products])
    return dict(schema_instance(s.OpportunitySchema).dump(fields))


def stage_change(value: StageChange) -> dict[str, Any]:
    return dict(schema_instance(s.StageChangeSchema).dump(dataclasses.asdict(value)))


def product(value: Product) -> dict[str, Any]:
    fields = dataclasses.asdict(value)
    fields["unit_price"] = money(value.unit_price, value.currency)
    return dict(schema_instance(s.ProductSchema).dump(fields))


def order(value: Order) -> dict[str, Any]:
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    fields.update(lines=[line(item) for item in value.lines], total=money(value.total, value.currency))
    return dict(schema_instance(s.OrderSchema).dump(fields))


def lead(value: Lead) -> dict[str, Any]:
    return dict(schema_instance(s.LeadSchema).dump(dataclasses.asdict(value)))


def page(items: list[Any], next_cursor: str | None, each: Any) -> dict[str, Any]:
    return {"items": [each(item) for item in items], "next_cursor": next_cursor}
