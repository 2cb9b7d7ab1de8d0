"""The customer's marketing summary: answered over RPC and published whenever it changes."""

from __future__ import annotations

import uuid
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.summaries import MarketingSummarySchema


def get_summary(uow: MarketingUnitOfWork, contact_id: uuid.UUID) -> Any:
    return schema_instance(MarketingSummarySchema).dump(uow.customers.summary(contact_id))


def publish_summaries(uow: MarketingUnitOfWork, contact_ids: set[uuid.UUID]) -> None:
    """One ``customer_summary.updated`` per changed contact, in the transaction of the change."""
    schema = schema_instance(MarketingSummarySchema)
    for contact_id, summary in sorted(uow.customers.summaries(contact_ids).items()):
        data = {"contact_id": contact_id, "part": "marketing", "summary": schema.dump(summary)}
        uow.publish("customer_summary.updated", data, aggregate_id=contact_id)
