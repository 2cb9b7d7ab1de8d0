"""Events published by the support service on the ``support.events`` exchange."""

from __future__ import annotations

from crm_shared.contracts import support as s
from crm_shared.contracts.summaries import SupportSummarySchema, summary_updated_schema
from crm_shared.events import EventType, register

PRODUCER = "support"

register(
    EventType("ticket.created", 1, PRODUCER, s.TicketSchema, "A ticket was created; carries the full ticket."),
    EventType("ticket.updated", 1, PRODUCER, s.TicketSchema, "A ticket changed; carries the full ticket."),
    EventType(
        "ticket.status_changed",
        1,
        PRODUCER,
        s.TicketStatusChangedSchema,
        "A ticket moved between statuses; from_status, to_status and the full ticket.",
    ),
    EventType("ticket.assigned", 1, PRODUCER, s.TicketAssignedSchema, "A ticket's assignee or team changed."),
    EventType(
        "ticket.sla_warning",
        1,
        PRODUCER,
        s.SlaMilestoneSchema,
        "An SLA target (first_response or resolution) is close to its due time; published once per target.",
    ),
    EventType(
        "ticket.sla_breached",
        1,
        PRODUCER,
        s.SlaMilestoneSchema,
        "An SLA target passed its due time unmet; published once per target.",
    ),
    EventType("ticket.solved", 1, PRODUCER, s.TicketSchema, "A ticket was solved; carries the full ticket."),
    EventType("ticket.csat_recorded", 1, PRODUCER, s.CsatRecordedSchema, "The customer rated a solved ticket (1-5)."),
    EventType(
        "customer_summary.updated",
        1,
        PRODUCER,
        summary_updated_schema(SupportSummarySchema, "support"),
        "A customer's support part of the customer 360 changed; carries the whole new part.",
    ),
)
