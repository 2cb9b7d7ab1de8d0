"""RPC of sales analytics and forecasts, and the timers of follow-ups and RFM tiers."""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.timer import timer

from crm_sales.entrypoints.base import SalesBase
from crm_sales.service_layer import analytics, followups
from crm_sales.service_layer.forecast import revenue_forecast
from crm_shared.commands import read, run_command
from crm_shared.contracts import sales as s
from crm_shared.contracts.loading import load_input, parse_id
from crm_shared.db import utcnow
from crm_shared.runtime.rpc import rpc

STALE_CHECK_SECONDS = 60
RFM_REFRESH_SECONDS = 6 * 3600


class AnalyticsEntrypoints(SalesBase):
    @rpc
    def revenue_report(self, query: dict[str, Any]) -> Any:
        """Order revenue by customer, account, owner, product or period, per currency."""
        return read(self.db, partial(analytics.revenue, filters=load_input(s.RevenueQuerySchema, query)))

    @rpc
    def sales_performance(self, query: dict[str, Any] | None = None) -> Any:
        """Win rate, average deal size and sales-cycle length of deals closed in the window."""
        return read(self.db, partial(analytics.performance, filters=load_input(s.ReportQuerySchema, query)))

    @rpc
    def pipeline_value(self, pipeline_id: str, query: dict[str, Any] | None = None) -> Any:
        """Open pipeline value and weighted value per stage."""
        work = partial(
            analytics.pipeline_value,
            pipeline_id=parse_id(pipeline_id, "pipeline_id"),
            filters=load_input(s.ReportQuerySchema, query),
        )
        return read(self.db, work)

    @rpc
    def lifetime_values(self, query: dict[str, Any] | None = None) -> Any:
        """Customers' lifetime value per currency, most valuable first."""
        filters = load_input(s.LifetimeValueQuerySchema, query)
        return read(self.db, partial(analytics.lifetime_values, filters=filters))

    @rpc
    def rfm_scores(self, query: dict[str, Any] | None = None) -> Any:
        """Customers' RFM scores and value tiers as last computed; filter by tier."""
        return read(self.db, partial(analytics.rfm_page, query=load_input(s.RfmQuerySchema, query)))

    @rpc
    def refresh_rfm(self, idempotency_key: str | None = None) -> Any:
        """Re-rank every customer now; publishes the summary of each whose tier changed."""
        work = partial(analytics.refresh_rfm, settings=self.settings, now=utcnow())
        return self._write("refresh_rfm", work, idempotency_key)

    @rpc
    def weighted_forecast(self, query: dict[str, Any] | None = None) -> Any:
        """Open deals by expected close period: pipeline, weighted (amount x probability), best case, commit."""
        filters = load_input(s.WeightedForecastQuerySchema, query)
        return read(self.db, partial(analytics.weighted_forecast, filters=filters, settings=self.settings))

    @rpc
    def revenue_forecast(self, query: dict[str, Any]) -> Any:
        """Next months' revenue in one currency by Holt-Winters smoothing, with its back-test error."""
        return read(self.db, partial(revenue_forecast, query=load_input(s.RevenueForecastQuerySchema, query)))

    @timer(interval=STALE_CHECK_SECONDS)
    def announce_stale_opportunities(self) -> None:
        """Publish ``opportunity.stale`` for open deals idle longer than the configured days."""
        work = partial(followups.report_stale, stale_after_days=self.settings.stale_after_days, now=utcnow())
        run_command(self.db, work, operation="report_stale")

    @timer(interval=RFM_REFRESH_SECONDS)
    def rerank_customers(self) -> None:
        """Keep RFM tiers (and the summaries that carry them) current as orders age."""
        run_command(self.db, partial(analytics.refresh_rfm, settings=self.settings, now=utcnow()), operation="rfm")
