"""Events published by the marketing service on the ``marketing.events`` exchange."""

from __future__ import annotations

from crm_shared.contracts import marketing as m
from crm_shared.contracts.summaries import MarketingSummarySchema, summary_updated_schema
from crm_shared.events import EventType, register

PRODUCER = "marketing"

register(
    EventType("segment.created", 1, PRODUCER, m.SegmentEventSchema, "A segment or static list was created."),
    EventType(
        "segment.membership_changed",
        1,
        PRODUCER,
        m.MembershipChangedSchema,
        "A contact joined or left a segment (rules re-evaluated on new facts, or a static list edited).",
    ),
    EventType("campaign.scheduled", 1, PRODUCER, m.CampaignEventSchema, "A campaign was given its send time."),
    EventType("campaign.launched", 1, PRODUCER, m.CampaignEventSchema, "A campaign started sending to its audience."),
    EventType("campaign.completed", 1, PRODUCER, m.CampaignEventSchema, "Every recipient of a campaign was handled."),
    EventType("campaign.cancelled", 1, PRODUCER, m.CampaignEventSchema, "A campaign was cancelled."),
    EventType(
        "campaign.message_sent",
        1,
        PRODUCER,
        m.MessageSentSchema,
        "A campaign message was handed to the delivery server for one contact.",
    ),
    EventType(
        "campaign.response_recorded",
        1,
        PRODUCER,
        m.ResponseRecordedSchema,
        "A recipient responded: opened, clicked, unsubscribed, bounced or replied.",
    ),
    EventType(
        "customer_summary.updated",
        1,
        PRODUCER,
        summary_updated_schema(MarketingSummarySchema, "marketing"),
        "A customer's marketing part of the customer 360 changed; carries the whole new part.",
    ),
)
