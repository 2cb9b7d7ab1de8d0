"""Handlers of opportunities: open, change, move through stages, win (placing its order) or lose."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.domain import opportunities as model
from crm_sales.domain.lines import Line
from crm_sales.domain.opportunities import Opportunity
from crm_sales.domain.orders import order_for_won
from crm_sales.domain.products import price_lines
from crm_sales.service_layer import present
from crm_sales.service_layer.customers import current_contact, publish_summaries
from crm_sales.service_layer.pipelines import existing_pipeline
from crm_shared.errors import NotFound, StaleVersion


def existing_opportunity(uow: Uow, opportunity_id: uuid.UUID, expected_version: int | None = None) -> Opportunity:
    opportunity = uow.opportunities.get(opportunity_id)
    if opportunity is None:
        raise NotFound("No such opportunity.", opportunity_id=str(opportunity_id))
    if expected_version is not None and expected_version != opportunity.version:
        raise StaleVersion("The opportunity has changed since you read it.", version=opportunity.version)
    return opportunity


def priced(uow: Uow, wanted: list[dict[str, Any]] | None, field: str = "products") -> tuple[Line, ...]:
    items = wanted or []
    return price_lines(items, uow.products.by_ids(i["product_id"] for i in items), field)


def open_opportunity(uow: Uow, fields: dict[str, Any], now: datetime) -> Opportunity:
    """Shared by creation and lead conversion: stored, its first stage recorded, its events queued."""
    fields = {**fields, "contact_id": current_contact(uow, fields["contact_id"])}
    pipeline = existing_pipeline(uow, fields["pipeline_id"])
    opportunity, first_stage = model.open_opportunity(fields, pipeline, priced(uow, fields.get("products")), now)
    uow.opportunities.add(opportunity)
    uow.opportunities.add_stage_change(first_stage)
    uow.publish("opportunity.created", present.opportunity(opportunity), opportunity.id)
    publish_summaries(uow, opportunity.contact_id)
    return opportunity


def create_opportunity(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    opportunity = open_opportunity(uow, fields, now)
    return present.opportunity(opportunity), opportunity.contact_id


def get_opportunity(uow: Uow, opportunity_id: uuid.UUID) -> dict[str, Any]:
    return present.opportunity(existing_opportunity(uow, opportunity_id))


def stage_history(uow: Uow, opportunity_id: uuid.UUID) -> list[dict[str, Any]]:
    existing_opportunity(uow, opportunity_id)
    return [present.stage_change(c) for c in uow.opportunities.history(opportunity_id)]


def search_opportunities(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.opportunities.search(filters, filters["limit"])
    return present.page(found, next_cursor, present.opportunity)


def update_opportunity(
    uow: Uow, opportunity_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None, now: datetime
) -> tuple[Any, Any]:
    opportunity = existing_opportunity(uow, opportunity_id, expected_version)
    lines = priced(uow, changes["products"]) if "products" in changes else None
    updated = model.change_opportunity(opportunity, changes, lines, now)
    uow.opportunities.save(updated, opportunity.version)
    publish_summaries(uow, updated.contact_id)
    return present.opportunity(updated), updated.contact_id


def move_stage(
    uow: Uow,
    opportunity_id: uuid.UUID,
    move: dict[str, Any],
    expected_version: int | None,
    now: datetime,
) -> tuple[Any, Any]:
    """Publishes ``opportunity.stage_changed`` with the change and the new state."""
    opportunity = existing_opportunity(uow, opportunity_id, expected_version)
    pipeline = existing_pipeline(uow, opportunity.pipeline_id)
    moved, change = model.move_to_stage(opportunity, pipeline, move["stage_id"], move.get("changed_by"), now)
    uow.opportunities.save(moved, opportunity.version)
    uow.opportunities.add_stage_change(change)
    body = present.opportunity(moved)
    uow.publish("opportunity.stage_changed", {"opportunity": body, "change": present.stage_change(change)}, moved.id)
    publish_summaries(uow, moved.contact_id)
    return body, moved.contact_id


def close_opportunity(
    uow: Uow,
    opportunity_id: uuid.UUID,
    status: str,
    close: dict[str, Any],
    expected_version: int | None,
    now: datetime,
) -> tuple[Any, Any]:
    """Won or lost with its reason; a won deal with products places its order in the same transaction."""
    opportunity = existing_opportunity(uow, opportunity_id, expected_version)
    closed = model.close(opportunity, status, close.get("reason"), now)
    uow.opportunities.save(closed, opportunity.version)
    body = present.opportunity(closed)
    uow.publish(f"opportunity.{status}", body, closed.id)
    order = order_for_won(closed)
    if order is not None:
        uow.orders.add(order)
        uow.publish("order.placed", present.order(order), order.id)
    publish_summaries(uow, closed.contact_id)
    return body, closed.contact_id
