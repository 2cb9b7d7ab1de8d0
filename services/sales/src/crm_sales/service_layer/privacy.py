"""Contacts' merges and erasures honoured here, data-protection export and the inventory of places."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.service_layer import present
from crm_sales.service_layer.customers import publish_summaries
from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.summaries import RfmSchema

EXPORT_LIMIT = 10_000


def contact_merged(uow: Uow, envelope: Any, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> bool:
    """Leads, opportunities and orders follow the survivor; both customers' summaries go out anew."""
    if not uow.claim_event(envelope):
        return False
    uow.customers.repoint(merged_id, survivor_id)
    publish_summaries(uow, survivor_id, merged_id)
    uow.commit()
    return True


def contact_erased(uow: Uow, envelope: Any, contact_id: uuid.UUID, now: datetime) -> bool:
    """Personal data goes from every table, outbox and remembered answer; the amounts stay, unlinked.

    A redelivered erasure is applied again rather than skipped: it costs little, and it also
    reaches anything that mentioned the person after the first one.
    """
    uow.claim_event(envelope)
    uow.customers.erase(contact_id, now)
    publish_summaries(uow, contact_id)
    uow.commit()
    return True


def interaction_logged(uow: Uow, envelope: Any, contact_id: uuid.UUID, occurred_at: datetime) -> bool:
    """A logged call, email or meeting keeps the contact's open deals from going stale."""
    if not uow.claim_event(envelope):
        return False
    uow.opportunities.note_activity(contact_id, occurred_at)
    uow.commit()
    return True


def export_contact(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    """Everything sales holds about the contact, as one JSON document."""
    found_orders, _ = uow.orders.search({"contact_id": contact_id}, EXPORT_LIMIT)
    rfm = uow.customers.rfm(contact_id)
    return {
        "contact_id": str(contact_id),
        "leads": [present.lead(lead) for lead in uow.leads.of_contact(contact_id)],
        "opportunities": [present.opportunity(o) for o in uow.opportunities.of_contact(contact_id)],
        "orders": [present.order(o) for o in found_orders],
        "rfm": None if rfm is None else schema_instance(RfmSchema).dump(rfm),
    }


def pii_inventory(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    return {"service": "sales", "contact_id": str(contact_id), "places": uow.customers.inventory(contact_id)}
