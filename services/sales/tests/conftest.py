"""Sales service tests.

unit/: domain rules, no I/O. integration/: handlers through the real unit of work,
repositories, reports and migrations on real SQLite and PostgreSQL (each test runs on
both). service/: the nameko service on real RabbitMQ with a real database (and the real
contacts service where a test needs it). Nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from crm_sales.adapters.tables import metadata, plumbing
from crm_sales.adapters.unit_of_work import SalesUnitOfWork
from crm_sales.service_layer import opportunities, pipelines
from crm_shared.commands import run_command
from crm_shared.db import make_engine, utcnow
from crm_shared.testing import MigratedDatabases

MIGRATIONS = Path(__file__).parents[1] / "src" / "crm_sales" / "migrations"
STAGES = [
    {"name": "Prospecting", "probability": 10},
    {"name": "Proposal", "probability": 50},
    {"name": "Negotiation", "probability": 80},
]


@pytest.fixture
def sales_db(dialect: str, migrated_databases: MigratedDatabases) -> str:
    """A migrated, empty sales database on the dialect under test."""
    return migrated_databases.url(dialect, MIGRATIONS, metadata)


@pytest.fixture
def postgres_sales_db(migrated_databases: MigratedDatabases) -> str:
    return migrated_databases.url("postgresql", MIGRATIONS, metadata)


@pytest.fixture
def new_uow(sales_db: str) -> Iterator[Callable[[], SalesUnitOfWork]]:
    engine = make_engine(sales_db)
    yield lambda: SalesUnitOfWork(engine, plumbing, correlation_id="test")
    engine.dispose()


class Sales:
    """Handlers driven as the entrypoints drive them: one command, one transaction."""

    money = staticmethod(lambda amount, currency="EUR": money(amount, currency))

    def __init__(self, new_uow: Callable[[], SalesUnitOfWork]) -> None:
        self.new_uow = new_uow

    def run(self, handler: Any, key: str | None = None, **kwargs: Any) -> Any:
        return run_command(self.new_uow, partial(handler, **kwargs), operation=handler.__name__, idempotency_key=key)

    def pipeline(self, stages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        fields = {"name": "New business", "stages": stages or STAGES}
        return dict(self.run(pipelines.create_pipeline, fields=fields, now=utcnow()))

    def product(self, sku: str, price: str, currency: str = "EUR") -> dict[str, Any]:
        fields = {"sku": sku, "name": f"Product {sku}", "unit_price": money(price, currency)}
        return dict(self.run(pipelines.create_product, fields=fields, now=utcnow()))

    def opportunity(
        self, pipeline: dict[str, Any], contact_id: Any, now: datetime | None = None, key: str | None = None,
        **fields: Any,
    ) -> Any:  # fmt: skip
        fields = {
            "name": "Deal", "pipeline_id": pipeline["id"], "contact_id": contact_id,
            "amount": money("1000.00"), **fields,
        }  # fmt: skip
        return self.run(opportunities.create_opportunity, key=key, fields=load_ids(fields), now=now or utcnow())


def money(amount: str, currency: str = "EUR") -> dict[str, Any]:
    from decimal import Decimal

    return {"amount": Decimal(amount), "currency": currency}


def load_ids(fields: dict[str, Any]) -> dict[str, Any]:
    """What the contract schema's load does to ids given as text."""
    import uuid

    out = dict(fields)
    for name in ("pipeline_id", "stage_id", "contact_id", "account_id"):
        if isinstance(out.get(name), str):
            out[name] = uuid.UUID(out[name])
    if "products" in out:
        out["products"] = [{**p, "product_id": uuid.UUID(str(p["product_id"]))} for p in out["products"]]
    return out


@pytest.fixture
def sales(new_uow: Callable[[], SalesUnitOfWork]) -> Sales:
    return Sales(new_uow)


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)
