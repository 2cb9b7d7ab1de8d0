"""Handlers of pipelines and of the product catalogue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.domain.pipelines import Pipeline, new_pipeline
from crm_sales.domain.products import Product, change_product, new_product
from crm_sales.service_layer import present
from crm_shared.errors import Invalid, NotFound, StaleVersion


def create_pipeline(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    pipeline = new_pipeline(fields["name"], fields["stages"], now)
    uow.pipelines.add(pipeline)
    return present.pipeline(pipeline), None


def get_pipeline(uow: Uow, pipeline_id: uuid.UUID) -> dict[str, Any]:
    return present.pipeline(existing_pipeline(uow, pipeline_id, None))


def list_pipelines(uow: Uow) -> list[dict[str, Any]]:
    return [present.pipeline(p) for p in uow.pipelines.all()]


def existing_pipeline(uow: Uow, pipeline_id: uuid.UUID, field: str | None = "pipeline_id") -> Pipeline:
    """Unknown as input names the field; unknown as the resource asked for is not found."""
    pipeline = uow.pipelines.get(pipeline_id)
    if pipeline is None:
        if field is None:
            raise NotFound("No such pipeline.", pipeline_id=str(pipeline_id))
        raise Invalid("Input is not valid.", fields={field: ["No such pipeline."]})
    return pipeline


def create_product(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    product = new_product(fields, now)
    uow.products.add(product)
    return present.product(product), None


def existing_product(uow: Uow, product_id: uuid.UUID) -> Product:
    product = uow.products.get(product_id)
    if product is None:
        raise NotFound("No such product.", product_id=str(product_id))
    return product


def get_product(uow: Uow, product_id: uuid.UUID) -> dict[str, Any]:
    return present.product(existing_product(uow, product_id))


def update_product(
    uow: Uow, product_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None
) -> tuple[Any, Any]:
    product = existing_product(uow, product_id)
    if expected_version is not None and expected_version != product.version:
        raise StaleVersion("The product has changed since you read it.", version=product.version)
    updated = change_product(product, changes)
    uow.products.save(updated, product.version)
    return present.product(updated), None


def search_products(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.products.search(filters, filters["limit"])
    return present.page(found, next_cursor, present.product)
