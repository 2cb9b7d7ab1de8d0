"""The sales context's contract: pipelines, opportunities, products, orders, leads and reports."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from crm_shared.contracts.common import (
    MoneySchema,
    PageQuerySchema,
    StrictSchema,
    amount,
    bounded_dict,
    choice,
    currency,
    page_of,
    text,
)

OPPORTUNITY_STATUSES = ("open", "won", "lost")
LEAD_CHANNELS = ("web_form", "phone", "email", "event", "referral", "purchased_list")
LEAD_STATUSES = ("new", "working", "qualified", "disqualified", "converted")
LEAD_STATUS_CHANGES = ("new", "working", "qualified", "disqualified")
PERIODS = ("day", "week", "month", "quarter", "year")
REVENUE_DIMENSIONS = ("customer", "account", "owner", "product", "period")
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")
QUANTITY = validate.Range(min=1, max=1_000_000)


def _decimal(**kwargs: Any) -> fields.Decimal:
    """A computed amount (a report's sum), written as a decimal string."""
    metadata = {"type": "string", "format": "decimal"}
    return fields.Decimal(as_string=True, places=2, metadata=metadata, **kwargs)


def _unique(items: list[dict[str, Any]] | None, key: str, field: str) -> None:
    values = [item[key] for item in items or []]
    if len(values) != len(set(values)):
        raise ValidationError(f"Each {key} may appear once.", field)


# Pipelines


class StageInputSchema(StrictSchema):
    name = text(100, min_length=1, required=True)
    probability = fields.Int(required=True, validate=validate.Range(min=0, max=100))


class PipelineCreateSchema(StrictSchema):
    name = text(100, min_length=1, required=True)
    stages = fields.List(fields.Nested(StageInputSchema), required=True, validate=validate.Length(min=1, max=30))

    @validates_schema
    def _check_stage_names(self, data: dict[str, Any], **_: Any) -> None:
        _unique(data.get("stages"), "name", "stages")


class StageSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    position = fields.Int(required=True)
    probability = fields.Int(required=True)


class PipelineSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    stages = fields.List(fields.Nested(StageSchema), required=True)
    created_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


# Opportunities


class LineInputSchema(StrictSchema):
    """A product on an opportunity or an order; the catalogue price unless ``unit_price`` is given."""

    product_id = fields.UUID(required=True)
    quantity = fields.Int(required=True, validate=QUANTITY)
    unit_price = amount(load_default=None, allow_none=True)


class LineSchema(Schema):
    product_id = fields.UUID(required=True)
    product_name = fields.Str(required=True)
    quantity = fields.Int(required=True)
    unit_price = fields.Nested(MoneySchema, required=True)
    total = fields.Nested(MoneySchema, required=True)


class OpportunityFieldsSchema(StrictSchema):
    name = text(200, min_length=1)
    account_id = fields.UUID(allow_none=True)
    owner = text(200, allow_none=True)
    amount = fields.Nested(MoneySchema)
    expected_close_date = fields.Date(allow_none=True)
    probability = fields.Int(validate=validate.Range(min=0, max=100))
    next_step = text(500, allow_none=True)
    products = fields.List(fields.Nested(LineInputSchema), validate=validate.Length(max=100))

    @validates_schema
    def _check_products(self, data: dict[str, Any], **_: Any) -> None:
        _unique(data.get("products"), "product_id", "products")


class OpportunityCreateSchema(OpportunityFieldsSchema):
    name = text(200, min_length=1, required=True)
    pipeline_id = fields.UUID(required=True)
    stage_id = fields.UUID(load_default=None, allow_none=True)
    contact_id = fields.UUID(required=True)
    amount = fields.Nested(MoneySchema, required=True)


class OpportunityUpdateSchema(OpportunityFieldsSchema):
    """Partial update: only the fields given change; stage and status change by their own calls."""


class StageMoveSchema(StrictSchema):
    stage_id = fields.UUID(required=True)
    changed_by = text(200, load_default=None, allow_none=True)


class CloseSchema(StrictSchema):
    reason = text(500, load_default=None, allow_none=True)
    closed_by = text(200, load_default=None, allow_none=True)


class LoseSchema(CloseSchema):
    reason = text(500, min_length=1, required=True)


class OpportunitySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    pipeline_id = fields.UUID(required=True)
    stage_id = fields.UUID(required=True)
    stage = fields.Str(required=True)
    status = fields.Str(required=True)
    contact_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    owner = fields.Str(allow_none=True)
    amount = fields.Nested(MoneySchema, required=True)
    probability = fields.Int(required=True)
    expected_close_date = fields.Date(allow_none=True)
    next_step = fields.Str(allow_none=True)
    products = fields.List(fields.Nested(LineSchema), required=True)
    close_reason = fields.Str(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    last_activity_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


class StageChangeSchema(Schema):
    opportunity_id = fields.UUID(required=True)
    from_stage_id = fields.UUID(allow_none=True)
    from_stage = fields.Str(allow_none=True)
    to_stage_id = fields.UUID(required=True)
    to_stage = fields.Str(required=True)
    changed_by = fields.Str(allow_none=True)
    changed_at = fields.AwareDateTime(required=True)


class OpportunitySearchSchema(PageQuerySchema):
    q = fields.Str(load_default=None, validate=validate.Length(min=1, max=200))
    pipeline_id = fields.UUID(load_default=None)
    stage_id = fields.UUID(load_default=None)
    status = choice(OPPORTUNITY_STATUSES, load_default=None)
    owner = text(200, load_default=None)
    contact_id = fields.UUID(load_default=None)
    account_id = fields.UUID(load_default=None)
    close_from = fields.Date(load_default=None)
    close_to = fields.Date(load_default=None)


OpportunityPageSchema = page_of(OpportunitySchema, "OpportunityPage")


class StageChangedSchema(Schema):
    opportunity = fields.Nested(OpportunitySchema, required=True)
    change = fields.Nested(StageChangeSchema, required=True)


class OpportunityStaleSchema(Schema):
    opportunity = fields.Nested(OpportunitySchema, required=True)
    idle_since = fields.AwareDateTime(required=True)
    stale_after_days = fields.Int(required=True)


# Products and orders


class ProductCreateSchema(StrictSchema):
    sku = text(64, min_length=1, required=True)
    name = text(200, min_length=1, required=True)
    unit_price = fields.Nested(MoneySchema, required=True)


class ProductUpdateSchema(StrictSchema):
    name = text(200, min_length=1)
    unit_price = fields.Nested(MoneySchema)
    active = fields.Bool()


class ProductSchema(Schema):
    id = fields.UUID(required=True)
    sku = fields.Str(required=True)
    name = fields.Str(required=True)
    unit_price = fields.Nested(MoneySchema, required=True)
    active = fields.Bool(required=True)
    created_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


class ProductSearchSchema(PageQuerySchema):
    q = fields.Str(load_default=None, validate=validate.Length(min=1, max=200))
    active = fields.Bool(load_default=None)


ProductPageSchema = page_of(ProductSchema, "ProductPage")


class OrderCreateSchema(StrictSchema):
    contact_id = fields.UUID(required=True)
    account_id = fields.UUID(load_default=None, allow_none=True)
    owner = text(200, load_default=None, allow_none=True)
    currency = currency(required=True)
    ordered_at = fields.AwareDateTime(load_default=None, allow_none=True)
    lines = fields.List(fields.Nested(LineInputSchema), required=True, validate=validate.Length(min=1, max=500))


class OrderSchema(Schema):
    id = fields.UUID(required=True)
    contact_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    owner = fields.Str(allow_none=True)
    ordered_at = fields.AwareDateTime(required=True)
    lines = fields.List(fields.Nested(LineSchema), required=True)
    total = fields.Nested(MoneySchema, required=True)


class OrderSearchSchema(PageQuerySchema):
    contact_id = fields.UUID(load_default=None)
    account_id = fields.UUID(load_default=None)
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)


OrderPageSchema = page_of(OrderSchema, "OrderPage")


# Leads


class LeadFieldsSchema(StrictSchema):
    first_name = text(100, allow_none=True)
    last_name = text(100, allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.Str(allow_none=True, validate=validate.Length(min=3, max=40))
    company = text(200, allow_none=True)
    job_title = text(200, allow_none=True)
    source = text(200, allow_none=True)
    owner = text(200, allow_none=True)
    attributes = bounded_dict(50)


class LeadCreateSchema(LeadFieldsSchema):
    channel = choice(LEAD_CHANNELS, required=True)

    @validates_schema
    def _check_reachable(self, data: dict[str, Any], **_: Any) -> None:
        if not (data.get("email") or data.get("phone") or data.get("last_name") or data.get("company")):
            raise ValidationError("A lead needs an email, a phone, a last name or a company.", "email")


class LeadUpdateSchema(LeadFieldsSchema):
    """Partial update of the lead's details."""


class LeadStatusSchema(StrictSchema):
    status = choice(LEAD_STATUS_CHANGES, required=True)
    reason = text(500, load_default=None, allow_none=True)

    @validates_schema
    def _check_reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("status") == "disqualified" and not data.get("reason"):
            raise ValidationError("A disqualified lead needs a reason.", "reason")


class LeadActivitySchema(StrictSchema):
    kind = text(50, min_length=1, required=True)


class LeadSchema(Schema):
    id = fields.UUID(required=True)
    first_name = fields.Str(allow_none=True)
    last_name = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    company = fields.Str(allow_none=True)
    job_title = fields.Str(allow_none=True)
    channel = fields.Str(required=True)
    source = fields.Str(allow_none=True)
    status = fields.Str(required=True)
    disqualify_reason = fields.Str(allow_none=True)
    score = fields.Int(required=True)
    owner = fields.Str(allow_none=True)
    attributes = fields.Dict(required=True)
    activity = fields.Dict(keys=fields.Str(), values=fields.Int(), required=True)
    contact_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    converted_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


class LeadSearchSchema(PageQuerySchema):
    status = choice(LEAD_STATUSES, load_default=None)
    owner = text(200, load_default=None)
    channel = choice(LEAD_CHANNELS, load_default=None)
    min_score = fields.Int(load_default=None)


LeadPageSchema = page_of(LeadSchema, "LeadPage")


class LeadConvertSchema(StrictSchema):
    pipeline_id = fields.UUID(required=True)
    stage_id = fields.UUID(load_default=None, allow_none=True)
    opportunity_name = text(200, min_length=1, load_default=None, allow_none=True)
    amount = fields.Nested(MoneySchema, required=True)
    expected_close_date = fields.Date(load_default=None, allow_none=True)


class LeadConvertedSchema(Schema):
    lead = fields.Nested(LeadSchema, required=True)
    contact_id = fields.UUID(required=True)
    account_id = fields.UUID(allow_none=True)
    opportunity = fields.Nested(OpportunitySchema, required=True)


# Reports


class ReportQuerySchema(StrictSchema):
    since = fields.Date(load_default=None, allow_none=True)
    until = fields.Date(load_default=None, allow_none=True)
    currency = currency(load_default=None, allow_none=True)
    owner = text(200, load_default=None, allow_none=True)
    pipeline_id = fields.UUID(load_default=None, allow_none=True)

    @validates_schema
    def _check_range(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Must not be before since.", "until")


class RevenueQuerySchema(ReportQuerySchema):
    by = choice(REVENUE_DIMENSIONS, required=True)
    period = choice(PERIODS, load_default="month")
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=10_000))


class RevenueRowSchema(Schema):
    key = fields.Str(allow_none=True)  # contact, account or product id, owner, or period label
    label = fields.Str(allow_none=True)  # the product's name
    currency = fields.Str(required=True)
    revenue = _decimal(required=True)
    orders = fields.Int(required=True)  # by product: the order lines with the product


class RevenueSchema(Schema):
    by = fields.Str(required=True)
    rows = fields.List(fields.Nested(RevenueRowSchema), required=True)


class SalesPerformanceRowSchema(Schema):
    currency = fields.Str(required=True)
    won = fields.Int(required=True)
    lost = fields.Int(required=True)
    win_rate = fields.Float(allow_none=True)
    average_deal_size = _decimal(allow_none=True)
    average_cycle_days = fields.Float(allow_none=True)


class SalesPerformanceSchema(Schema):
    rows = fields.List(fields.Nested(SalesPerformanceRowSchema), required=True)


class PipelineValueRowSchema(Schema):
    stage_id = fields.UUID(required=True)
    stage = fields.Str(required=True)
    position = fields.Int(required=True)
    currency = fields.Str(required=True)
    opportunities = fields.Int(required=True)
    value = _decimal(required=True)
    weighted_value = _decimal(required=True)


class PipelineValueSchema(Schema):
    pipeline_id = fields.UUID(required=True)
    rows = fields.List(fields.Nested(PipelineValueRowSchema), required=True)


class LifetimeValueQuerySchema(ReportQuerySchema):
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=10_000))


class LifetimeValueRowSchema(Schema):
    contact_id = fields.UUID(required=True)
    currency = fields.Str(required=True)
    lifetime_value = _decimal(required=True)
    orders = fields.Int(required=True)
    first_order_at = fields.AwareDateTime(required=True)
    last_order_at = fields.AwareDateTime(required=True)


class LifetimeValueSchema(Schema):
    rows = fields.List(fields.Nested(LifetimeValueRowSchema), required=True)


class RfmQuerySchema(PageQuerySchema):
    tier = fields.Str(load_default=None, validate=validate.OneOf(("platinum", "gold", "silver", "bronze")))


class RfmRowSchema(Schema):
    contact_id = fields.UUID(required=True)
    recency = fields.Int(required=True)
    frequency = fields.Int(required=True)
    monetary = fields.Int(required=True)
    tier = fields.Str(required=True)
    computed_at = fields.AwareDateTime(required=True)


RfmPageSchema = page_of(RfmRowSchema, "RfmPage")


class RfmRefreshSchema(Schema):
    scored = fields.Int(required=True)
    tier_changes = fields.Int(required=True)
    currency = fields.Str(required=True)


class WeightedForecastQuerySchema(ReportQuerySchema):
    period = choice(PERIODS, load_default="month")


class WeightedForecastRowSchema(Schema):
    period = fields.Str(required=True)
    currency = fields.Str(required=True)
    opportunities = fields.Int(required=True)
    pipeline = _decimal(required=True)
    weighted = _decimal(required=True)
    best_case = _decimal(required=True)
    commit = _decimal(required=True)


class WeightedForecastSchema(Schema):
    period = fields.Str(required=True)
    commit_min_probability = fields.Int(required=True)
    best_case_min_probability = fields.Int(required=True)
    rows = fields.List(fields.Nested(WeightedForecastRowSchema), required=True)


class RevenueForecastQuerySchema(StrictSchema):
    currency = currency(required=True)
    horizon = fields.Int(load_default=3, validate=validate.Range(min=1, max=24))
    holdout = fields.Int(load_default=3, validate=validate.Range(min=1, max=24))


class ForecastPointSchema(Schema):
    period = fields.Str(required=True)
    revenue = _decimal(required=True)


class RevenueForecastSchema(Schema):
    currency = fields.Str(required=True)
    method = fields.Str(required=True)
    history = fields.List(fields.Nested(ForecastPointSchema), required=True)
    forecast = fields.List(fields.Nested(ForecastPointSchema), required=True)
    backtest_periods = fields.Int(required=True)
    backtest_mape = fields.Float(allow_none=True)


class SalesExportSchema(Schema):
    contact_id = fields.UUID(required=True)
    leads = fields.List(fields.Nested(LeadSchema), required=True)
    opportunities = fields.List(fields.Nested(OpportunitySchema), required=True)
    orders = fields.List(fields.Nested(OrderSchema), required=True)
    rfm = fields.Dict(allow_none=True)
