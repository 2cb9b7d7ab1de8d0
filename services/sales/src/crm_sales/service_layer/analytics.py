"""Handlers of sales reports: rows from the database, shaped by the contract schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.service_layer.customers import publish_summaries
from crm_sales.service_layer.pipelines import existing_pipeline
from crm_sales.settings import SalesSettings
from crm_shared.contracts import sales as s
from crm_shared.contracts.loading import schema_instance


def _dump(schema: type, body: Any) -> dict[str, Any]:
    return dict(schema_instance(schema).dump(body))


def revenue(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    rows = uow.reports.revenue(filters["by"], filters)
    items = [{**row._mapping, "key": None if row.key is None else str(row.key)} for row in rows]
    return _dump(s.RevenueSchema, {"by": filters["by"], "rows": items})


def performance(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    """Win rate, average deal size and sales-cycle length, per currency."""
    rows = []
    for row in uow.reports.performance(filters):
        closed = row.won + row.lost
        rows.append(
            {
                "currency": row.currency,
                "won": row.won,
                "lost": row.lost,
                "win_rate": round(row.won / closed, 4) if closed else None,
                "average_deal_size": row.average_deal_size,
                "average_cycle_days": None if row.cycle is None else round(float(row.cycle), 2),
            }
        )
    return _dump(s.SalesPerformanceSchema, {"rows": rows})


def pipeline_value(uow: Uow, pipeline_id: uuid.UUID, filters: dict[str, Any]) -> dict[str, Any]:
    existing_pipeline(uow, pipeline_id, None)
    rows = [dict(row._mapping) for row in uow.reports.pipeline_value(pipeline_id, filters)]
    return _dump(s.PipelineValueSchema, {"pipeline_id": pipeline_id, "rows": rows})


def lifetime_values(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    rows = [dict(row._mapping) for row in uow.reports.lifetime_values(filters)]
    return _dump(s.LifetimeValueSchema, {"rows": rows})


def weighted_forecast(uow: Uow, filters: dict[str, Any], settings: SalesSettings) -> dict[str, Any]:
    commit, best_case = settings.commit_min_probability, settings.best_case_min_probability
    rows = [dict(row._mapping) for row in uow.reports.weighted_forecast(filters, commit, best_case)]
    body = {"period": filters["period"], "commit_min_probability": commit, "best_case_min_probability": best_case,
            "rows": rows}  # fmt: skip
    return _dump(s.WeightedForecastSchema, body)


def rfm_page(uow: Uow, query: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.rfm.page(query.get("tier"), query.get("cursor"), query["limit"])
    return _dump(s.RfmPageSchema, {"items": found, "next_cursor": next_cursor})


def refresh_rfm(uow: Uow, settings: SalesSettings, now: datetime) -> tuple[Any, Any]:
    """Re-rank every customer; each whose tier changed gets its new summary published."""
    scored, changed = uow.rfm.refresh(settings.reporting_currency, now)
    publish_summaries(uow, *changed)
    return _dump(s.RfmRefreshSchema, {"scored": scored, "tier_changes": len(changed),
                                       "currency": settings.reporting_currency}), None  # fmt: skip
