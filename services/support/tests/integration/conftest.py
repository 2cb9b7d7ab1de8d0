"""Integration tier: the sales service's ``customer_summary.updated`` type, as sales registers it.

Support consumes it; until the sales service's own module registers it, the tests register
the same contract (``SalesSummarySchema`` from ``summaries.py``) so envelopes can be built.
"""

from crm_shared.contracts.summaries import SalesSummarySchema, summary_updated_schema
from crm_shared.events import EventType, catalogue, register

if not any(e.name == "customer_summary.updated" and e.producer == "sales" for e in catalogue()):
    register(
        EventType(
            "customer_summary.updated", 1, "sales", summary_updated_schema(SalesSummarySchema, "sales"),
            "A customer's sales part of the customer 360 changed.",
        )
    )  # fmt: skip
