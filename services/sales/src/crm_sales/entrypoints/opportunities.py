"""RPC of pipelines, opportunities, products and orders: load, call a handler, dump."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_sales.entrypoints.base import SalesBase
from crm_sales.service_layer import opportunities, orders, pipelines
from crm_shared.commands import read
from crm_shared.contracts import sales as s
from crm_shared.contracts.loading import load_input, parse_id, parse_version
from crm_shared.db import utcnow
from crm_shared.runtime.rpc import rpc


class OpportunityEntrypoints(SalesBase):
    @rpc
    def create_pipeline(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a pipeline with its ordered stages and their default win probabilities."""
        work = partial(pipelines.create_pipeline, fields=load_input(s.PipelineCreateSchema, fields), now=utcnow())
        return self._write("create_pipeline", work, idempotency_key)

    @rpc
    def get_pipeline(self, pipeline_id: str) -> Any:
        """One pipeline with its stages in order."""
        return read(self.db, partial(pipelines.get_pipeline, pipeline_id=parse_id(pipeline_id, "pipeline_id")))

    @rpc
    def list_pipelines(self) -> Any:
        """Every pipeline, oldest first."""
        return read(self.db, pipelines.list_pipelines)

    @rpc
    def create_opportunity(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Open an opportunity; publishes ``opportunity.created``."""
        work = partial(
            opportunities.create_opportunity, fields=load_input(s.OpportunityCreateSchema, fields), now=utcnow()
        )
        return self._write("create_opportunity", work, idempotency_key)

    @rpc
    def get_opportunity(self, opportunity_id: str) -> Any:
        """The opportunity's current state."""
        subject = parse_id(opportunity_id, "opportunity_id")
        return read(self.db, partial(opportunities.get_opportunity, opportunity_id=subject))

    @rpc
    def stage_history(self, opportunity_id: str) -> Any:
        """Every stage the opportunity was moved to: from, to, who, when."""
        subject = parse_id(opportunity_id, "opportunity_id")
        return read(self.db, partial(opportunities.stage_history, opportunity_id=subject))

    @rpc
    def search_opportunities(self, query: dict[str, Any]) -> Any:
        """Opportunities by name prefix and filters; cursor-paginated."""
        filters = load_input(s.OpportunitySearchSchema, query)
        return read(self.db, partial(opportunities.search_opportunities, filters=filters))

    @rpc
    def update_opportunity(
        self, opportunity_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change the given fields of an open opportunity."""
        work = partial(
            opportunities.update_opportunity,
            opportunity_id=parse_id(opportunity_id, "opportunity_id"),
            changes=load_input(s.OpportunityUpdateSchema, changes),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("update_opportunity", work, idempotency_key)

    @rpc
    def move_opportunity(
        self, opportunity_id: str, move: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Move to another stage of its pipeline; publishes ``opportunity.stage_changed``."""
        work = partial(
            opportunities.move_stage,
            opportunity_id=parse_id(opportunity_id, "opportunity_id"),
            move=load_input(s.StageMoveSchema, move),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("move_opportunity", work, idempotency_key)

    @rpc
    def win_opportunity(
        self, opportunity_id: str, close: dict[str, Any] | None = None, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Close as won; publishes ``opportunity.won`` (and ``order.placed`` if it has products)."""
        return self._close(opportunity_id, "won", load_input(s.CloseSchema, close), expected_version, idempotency_key)

    @rpc
    def lose_opportunity(
        self, opportunity_id: str, close: dict[str, Any] | None = None, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Close as lost with a reason; publishes ``opportunity.lost``."""
        return self._close(opportunity_id, "lost", load_input(s.LoseSchema, close), expected_version, idempotency_key)

    def _close(
        self, opportunity_id: str, status: str, close: dict[str, Any], expected_version: Any, key: str | None
    ) -> Any:
        work = partial(
            opportunities.close_opportunity,
            opportunity_id=parse_id(opportunity_id, "opportunity_id"),
            status=status,
            close=close,
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write(f"close_opportunity_{status}", work, key)

    @rpc
    def create_product(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Add a product to the catalogue with its list price."""
        work = partial(pipelines.create_product, fields=load_input(s.ProductCreateSchema, fields), now=utcnow())
        return self._write("create_product", work, idempotency_key)

    @rpc
    def get_product(self, product_id: str) -> Any:
        """One product of the catalogue."""
        return read(self.db, partial(pipelines.get_product, product_id=parse_id(product_id, "product_id")))

    @rpc
    def update_product(
        self, product_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Rename, reprice or retire a product; existing orders keep their prices."""
        work = partial(
            pipelines.update_product,
            product_id=parse_id(product_id, "product_id"),
            changes=load_input(s.ProductUpdateSchema, changes),
            expected_version=parse_version(expected_version),
        )
        return self._write("update_product", work, idempotency_key)

    @rpc
    def search_products(self, query: dict[str, Any]) -> Any:
        """Products by name prefix; cursor-paginated."""
        return read(self.db, partial(pipelines.search_products, filters=load_input(s.ProductSearchSchema, query)))

    @rpc
    def place_order(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Record a customer's order; publishes ``order.placed``."""
        work = partial(orders.place_order, fields=load_input(s.OrderCreateSchema, fields), now=utcnow())
        return self._write("place_order", work, idempotency_key)

    @rpc
    def get_order(self, order_id: str) -> Any:
        """One order with its lines."""
        return read(self.db, partial(orders.get_order, order_id=parse_id(order_id, "order_id")))

    @rpc
    def search_orders(self, query: dict[str, Any]) -> Any:
        """Orders by customer, account or time, newest first; cursor-paginated."""
        return read(self.db, partial(orders.search_orders, filters=load_input(s.OrderSearchSchema, query)))
