"""Routes of the sales area: pipelines, opportunities, products, orders, leads, analytics, forecasts."""

from __future__ import annotations

from typing import Any

import crm_shared.contracts.sales as s
from crm_gateway.http.route import Route, route

SALES = "sales"
ADMIN = "admin"
V1 = "/api/v1"


def _at(kind: str) -> Any:
    return lambda body: f"{V1}/{kind}/{body['id']}"


PIPELINE_ROUTES: tuple[Route, ...] = (
    route("create_pipeline", "POST", f"{V1}/pipelines", SALES, "create_pipeline",
          lambda r: (r.body, r.idempotency_key), SALES, "Create a pipeline with ordered stages",
          body=s.PipelineCreateSchema, response=s.PipelineSchema, status=201, location=_at("pipelines"),
          tags=("pipelines",)),
    route("list_pipelines", "GET", f"{V1}/pipelines", SALES, "list_pipelines", lambda r: (), SALES,
          "Every pipeline", response=s.PipelineSchema, many=True, tags=("pipelines",)),
    route("get_pipeline", "GET", f"{V1}/pipelines/<pipeline_id>", SALES, "get_pipeline",
          lambda r: (r.path["pipeline_id"],), SALES, "Read a pipeline", response=s.PipelineSchema,
          tags=("pipelines",)),
)  # fmt: skip

OPPORTUNITY_ROUTES: tuple[Route, ...] = (
    route("create_opportunity", "POST", f"{V1}/opportunities", SALES, "create_opportunity",
          lambda r: (r.body, r.idempotency_key), SALES, "Open an opportunity",
          body=s.OpportunityCreateSchema, response=s.OpportunitySchema, status=201,
          location=_at("opportunities"), tags=("opportunities",)),
    route("search_opportunities", "GET", f"{V1}/opportunities", SALES, "search_opportunities",
          lambda r: (r.query,), SALES, "Search and filter opportunities", query=s.OpportunitySearchSchema,
          response=s.OpportunityPageSchema, tags=("opportunities",)),
    route("get_opportunity", "GET", f"{V1}/opportunities/<opportunity_id>", SALES, "get_opportunity",
          lambda r: (r.path["opportunity_id"],), SALES, "Read an opportunity", response=s.OpportunitySchema,
          tags=("opportunities",)),
    route("update_opportunity", "PATCH", f"{V1}/opportunities/<opportunity_id>", SALES, "update_opportunity",
          lambda r: (r.path["opportunity_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Change some fields of an open opportunity", body=s.OpportunityUpdateSchema,
          response=s.OpportunitySchema, tags=("opportunities",)),
    route("move_opportunity", "POST", f"{V1}/opportunities/<opportunity_id>/stage", SALES, "move_opportunity",
          lambda r: (r.path["opportunity_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Move an opportunity to another stage of its pipeline", body=s.StageMoveSchema,
          response=s.OpportunitySchema, tags=("opportunities",)),
    route("opportunity_stage_history", "GET", f"{V1}/opportunities/<opportunity_id>/stage-history", SALES,
          "stage_history", lambda r: (r.path["opportunity_id"],), SALES, "The stage history of an opportunity",
          response=s.StageChangeSchema, many=True, tags=("opportunities",)),
    route("win_opportunity", "POST", f"{V1}/opportunities/<opportunity_id>/win", SALES, "win_opportunity",
          lambda r: (r.path["opportunity_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Close an opportunity as won (places its order if it has products)", body=s.CloseSchema,
          response=s.OpportunitySchema, tags=("opportunities",)),
    route("lose_opportunity", "POST", f"{V1}/opportunities/<opportunity_id>/lose", SALES, "lose_opportunity",
          lambda r: (r.path["opportunity_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Close an opportunity as lost, with the reason", body=s.LoseSchema, response=s.OpportunitySchema,
          tags=("opportunities",)),
)  # fmt: skip

ORDER_ROUTES: tuple[Route, ...] = (
    route("create_product", "POST", f"{V1}/products", SALES, "create_product",
          lambda r: (r.body, r.idempotency_key), SALES, "Add a product to the catalogue",
          body=s.ProductCreateSchema, response=s.ProductSchema, status=201, location=_at("products"),
          tags=("products",)),
    route("search_products", "GET", f"{V1}/products", SALES, "search_products", lambda r: (r.query,), SALES,
          "Search the product catalogue", query=s.ProductSearchSchema, response=s.ProductPageSchema,
          tags=("products",)),
    route("get_product", "GET", f"{V1}/products/<product_id>", SALES, "get_product",
          lambda r: (r.path["product_id"],), SALES, "Read a product", response=s.ProductSchema,
          tags=("products",)),
    route("update_product", "PATCH", f"{V1}/products/<product_id>", SALES, "update_product",
          lambda r: (r.path["product_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Rename, reprice or retire a product", body=s.ProductUpdateSchema, response=s.ProductSchema,
          tags=("products",)),
    route("place_order", "POST", f"{V1}/orders", SALES, "place_order", lambda r: (r.body, r.idempotency_key),
          SALES, "Record a customer's order", body=s.OrderCreateSchema, response=s.OrderSchema, status=201,
          location=_at("orders"), tags=("orders",)),
    route("search_orders", "GET", f"{V1}/orders", SALES, "search_orders", lambda r: (r.query,), SALES,
          "Orders by customer, account or time, newest first", query=s.OrderSearchSchema,
          response=s.OrderPageSchema, tags=("orders",)),
    route("get_order", "GET", f"{V1}/orders/<order_id>", SALES, "get_order", lambda r: (r.path["order_id"],),
          SALES, "Read an order", response=s.OrderSchema, tags=("orders",)),
)  # fmt: skip

LEAD_ROUTES: tuple[Route, ...] = (
    route("capture_lead", "POST", f"{V1}/leads", SALES, "capture_lead", lambda r: (r.body, r.idempotency_key),
          SALES, "Capture a lead (scored and assigned)", body=s.LeadCreateSchema, response=s.LeadSchema,
          status=201, location=_at("leads"), tags=("leads",)),
    route("search_leads", "GET", f"{V1}/leads", SALES, "search_leads", lambda r: (r.query,), SALES,
          "Leads by status, owner, channel or score", query=s.LeadSearchSchema, response=s.LeadPageSchema,
          tags=("leads",)),
    route("get_lead", "GET", f"{V1}/leads/<lead_id>", SALES, "get_lead", lambda r: (r.path["lead_id"],), SALES,
          "Read a lead", response=s.LeadSchema, tags=("leads",)),
    route("update_lead", "PATCH", f"{V1}/leads/<lead_id>", SALES, "update_lead",
          lambda r: (r.path["lead_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Change a lead's details (rescored)", body=s.LeadUpdateSchema, response=s.LeadSchema, tags=("leads",)),
    route("change_lead_status", "POST", f"{V1}/leads/<lead_id>/status", SALES, "change_lead_status",
          lambda r: (r.path["lead_id"], r.body, r.expected_version, r.idempotency_key), SALES,
          "Work, qualify or disqualify a lead", body=s.LeadStatusSchema, response=s.LeadSchema, tags=("leads",)),
    route("record_lead_activity", "POST", f"{V1}/leads/<lead_id>/activities", SALES, "record_lead_activity",
          lambda r: (r.path["lead_id"], r.body, r.idempotency_key), SALES,
          "Count an activity towards a lead's score", body=s.LeadActivitySchema, response=s.LeadSchema,
          tags=("leads",)),
    route("convert_lead", "POST", f"{V1}/leads/<lead_id>/convert", SALES, "convert_lead",
          lambda r: (r.path["lead_id"], r.body, r.idempotency_key), SALES,
          "Convert a qualified lead into a contact (and account) and an opportunity; safe to retry",
          body=s.LeadConvertSchema, response=s.LeadConvertedSchema, tags=("leads",)),
)  # fmt: skip

PRIVACY_ROUTES: tuple[Route, ...] = (
    route("sales_export", "GET", f"{V1}/contacts/<contact_id>/sales-export", SALES, "export_contact",
          lambda r: (r.path["contact_id"],), ADMIN, "Everything sales holds about a contact (access request)",
          response=s.SalesExportSchema, tags=("privacy",)),
)  # fmt: skip

ANALYTICS = f"{V1}/sales/analytics"
ANALYTICS_ROUTES: tuple[Route, ...] = (
    route("revenue_report", "GET", f"{ANALYTICS}/revenue", SALES, "revenue_report", lambda r: (r.query,), SALES,
          "Revenue by customer, account, owner, product or period, per currency", query=s.RevenueQuerySchema,
          response=s.RevenueSchema, tags=("sales analytics",)),
    route("sales_performance", "GET", f"{ANALYTICS}/performance", SALES, "sales_performance",
          lambda r: (r.query,), SALES, "Win rate, average deal size and sales-cycle length",
          query=s.ReportQuerySchema, response=s.SalesPerformanceSchema, tags=("sales analytics",)),
    route("pipeline_value", "GET", f"{V1}/pipelines/<pipeline_id>/value", SALES, "pipeline_value",
          lambda r: (r.path["pipeline_id"], r.query), SALES, "Open pipeline value and weighted value by stage",
          query=s.ReportQuerySchema, response=s.PipelineValueSchema, tags=("sales analytics",)),
    route("lifetime_values", "GET", f"{ANALYTICS}/lifetime-value", SALES, "lifetime_values",
          lambda r: (r.query,), SALES, "Customers' lifetime value per currency",
          query=s.LifetimeValueQuerySchema, response=s.LifetimeValueSchema, tags=("sales analytics",)),
    route("rfm_scores", "GET", f"{ANALYTICS}/rfm", SALES, "rfm_scores", lambda r: (r.query,), SALES,
          "Customers' RFM scores and value tiers", query=s.RfmQuerySchema, response=s.RfmPageSchema,
          tags=("sales analytics",)),
    route("refresh_rfm", "POST", f"{ANALYTICS}/rfm/refresh", SALES, "refresh_rfm",
          lambda r: (r.idempotency_key,), SALES, "Re-rank every customer's RFM scores now",
          response=s.RfmRefreshSchema, tags=("sales analytics",)),
    route("weighted_forecast", "GET", f"{V1}/sales/forecasts/weighted", SALES, "weighted_forecast",
          lambda r: (r.query,), SALES, "Weighted pipeline by period with commit and best case",
          query=s.WeightedForecastQuerySchema, response=s.WeightedForecastSchema, tags=("sales forecasts",)),
    route("revenue_forecast", "GET", f"{V1}/sales/forecasts/revenue", SALES, "revenue_forecast",
          lambda r: (r.query,), SALES, "Next months' revenue (Holt-Winters) with its back-test error",
          query=s.RevenueForecastQuerySchema, response=s.RevenueForecastSchema, tags=("sales forecasts",)),
)  # fmt: skip

SALES_ROUTES: tuple[Route, ...] = (
    PIPELINE_ROUTES + OPPORTUNITY_ROUTES + ORDER_ROUTES + LEAD_ROUTES + PRIVACY_ROUTES + ANALYTICS_ROUTES
)
