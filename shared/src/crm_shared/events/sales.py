"""Events published by the sales service on the ``sales.events`` exchange."""

from __future__ import annotations

from crm_shared.contracts import sales as s
from crm_shared.contracts.summaries import SalesSummarySchema, summary_updated_schema
from crm_shared.events import EventType, register

PRODUCER = "sales"

register(
    EventType("lead.created", 1, PRODUCER, s.LeadSchema, "A lead was captured, scored and assigned."),
    EventType("lead.qualified", 1, PRODUCER, s.LeadSchema, "A lead was qualified and may be converted."),
    EventType(
        "lead.converted",
        1,
        PRODUCER,
        s.LeadConvertedSchema,
        "A qualified lead became a contact (and account) in contacts and an opportunity here.",
    ),
    EventType("opportunity.created", 1, PRODUCER, s.OpportunitySchema, "An opportunity was opened."),
    EventType(
        "opportunity.stage_changed",
        1,
        PRODUCER,
        s.StageChangedSchema,
        "An opportunity moved to another stage of its pipeline; carries the change and the new state.",
    ),
    EventType("opportunity.won", 1, PRODUCER, s.OpportunitySchema, "An opportunity was closed as won."),
    EventType("opportunity.lost", 1, PRODUCER, s.OpportunitySchema, "An opportunity was closed as lost."),
    EventType(
        "opportunity.stale",
        1,
        PRODUCER,
        s.OpportunityStaleSchema,
        "An open opportunity had no interaction or stage change for the configured number of days.",
    ),
    EventType("order.placed", 1, PRODUCER, s.OrderSchema, "An order was placed (won opportunity or recorded)."),
    EventType(
        "customer_summary.updated",
        1,
        PRODUCER,
        summary_updated_schema(SalesSummarySchema, "sales"),
        "A customer's sales part of the customer 360 changed; carries the whole new part.",
    ),
)
