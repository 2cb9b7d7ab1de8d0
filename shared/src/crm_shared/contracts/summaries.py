"""Each service's part of the customer 360, as its summary RPC returns it and its event carries it.

A service publishes ``customer_summary.updated`` on its own ``<service>.events`` exchange
whenever a customer's part changes, with the whole new part, ``aggregate_id`` = the contact
id and a per-contact ``sequence``; the gateway keeps the newest part per contact and service.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from crm_shared.contracts.common import MoneySchema

VALUE_TIERS = ("platinum", "gold", "silver", "bronze")


class SummaryOpportunitySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    pipeline_id = fields.UUID(required=True)
    stage = fields.Str(required=True)
    amount = fields.Nested(MoneySchema, required=True)
    probability = fields.Int(required=True)
    expected_close_date = fields.Date(allow_none=True)
    owner = fields.Str(allow_none=True)


class SummaryOrderSchema(Schema):
    id = fields.UUID(required=True)
    ordered_at = fields.AwareDateTime(required=True)
    total = fields.Nested(MoneySchema, required=True)


class RfmSchema(Schema):
    """Quintile scores 1-5 (5 best) and the value tier marketing and support segment on."""

    recency = fields.Int(required=True, validate=validate.Range(min=1, max=5))
    frequency = fields.Int(required=True, validate=validate.Range(min=1, max=5))
    monetary = fields.Int(required=True, validate=validate.Range(min=1, max=5))
    tier = fields.Str(required=True, validate=validate.OneOf(VALUE_TIERS))
    computed_at = fields.AwareDateTime(required=True)


class SalesSummarySchema(Schema):
    contact_id = fields.UUID(required=True)
    open_opportunities = fields.List(fields.Nested(SummaryOpportunitySchema), required=True)
    won_count = fields.Int(required=True)
    lost_count = fields.Int(required=True)
    order_count = fields.Int(required=True)
    recent_orders = fields.List(fields.Nested(SummaryOrderSchema), required=True)  # newest first, at most 10
    lifetime_value = fields.List(fields.Nested(MoneySchema), required=True)  # one entry per currency
    last_order_at = fields.AwareDateTime(allow_none=True)
    rfm = fields.Nested(RfmSchema, allow_none=True)


class SlaStateSchema(Schema):
    first_response_due_at = fields.AwareDateTime(allow_none=True)
    resolution_due_at = fields.AwareDateTime(allow_none=True)
    state = fields.Str(required=True, validate=validate.OneOf(("on_track", "warning", "breached", "paused", "met")))


class SummaryTicketSchema(Schema):
    id = fields.UUID(required=True)
    subject = fields.Str(required=True)
    status = fields.Str(required=True)
    priority = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)
    solved_at = fields.AwareDateTime(allow_none=True)
    sla = fields.Nested(SlaStateSchema, required=True)


class SupportSummarySchema(Schema):
    contact_id = fields.UUID(required=True)
    open_tickets = fields.List(fields.Nested(SummaryTicketSchema), required=True)
    recent_solved = fields.List(fields.Nested(SummaryTicketSchema), required=True)  # newest first, at most 10
    ticket_count = fields.Int(required=True)
    average_csat = fields.Float(allow_none=True)
    csat_count = fields.Int(required=True)


class SummarySegmentSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)


class SummaryCampaignSchema(Schema):
    campaign_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    channel = fields.Str(required=True)
    variant = fields.Str(allow_none=True)
    sent_at = fields.AwareDateTime(required=True)


class SummaryResponseSchema(Schema):
    campaign_id = fields.UUID(required=True)
    kind = fields.Str(
        required=True,
        validate=validate.OneOf(("opened", "clicked", "unsubscribed", "bounced", "replied", "converted")),
    )
    at = fields.AwareDateTime(required=True)


class MarketingSummarySchema(Schema):
    contact_id = fields.UUID(required=True)
    segments = fields.List(fields.Nested(SummarySegmentSchema), required=True)  # current memberships
    campaigns_received = fields.List(fields.Nested(SummaryCampaignSchema), required=True)  # newest first, at most 20
    responses = fields.List(fields.Nested(SummaryResponseSchema), required=True)  # newest first, at most 20
    messages_sent = fields.Int(required=True)


def summary_updated_schema(summary: type[Schema], part: str) -> type[Schema]:
    """``data`` of a service's ``customer_summary.updated``: the contact and the whole new part."""
    return Schema.from_dict(
        {
            "contact_id": fields.UUID(required=True),
            "part": fields.Str(required=True, validate=validate.Equal(part)),
            "summary": fields.Nested(summary, required=True),
        },
        name=f"{part.capitalize()}SummaryUpdatedSchema",
    )
