"""Honouring contacts' merges and erasures, and the PII inventory."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.audience import contact_facts
from crm_marketing.service_layer.customers import publish_summaries
from crm_marketing.service_layer.memberships import reevaluate_contact
from crm_shared.envelope import Envelope


def contact_merged(uow: MarketingUnitOfWork, envelope: Envelope, data: dict[str, Any], now: datetime) -> None:
    """The merged contact's history moves to the survivor, whose full record the event carries."""
    merged_id, survivor_id = data["merged_id"], data["survivor_id"]
    if not uow.claim_event(envelope) or uow.audience.is_erased(survivor_id):
        uow.commit()
        return
    uow.audience.ensure(survivor_id, now)
    if envelope.sequence > (uow.audience.sequence_of(survivor_id, "contacts_sequence") or 0):
        uow.audience.put_contact(contact_facts(data["contact"]), envelope.sequence, now)
    uow.audience.merge(merged_id, survivor_id, now)
    uow.privacy.move_history(merged_id, survivor_id)
    reevaluate_contact(uow, merged_id, now)
    reevaluate_contact(uow, survivor_id, now)
    publish_summaries(uow, {survivor_id})
    uow.commit()


def contact_erased(uow: MarketingUnitOfWork, envelope: Envelope, contact_id: uuid.UUID, now: datetime) -> None:
    """Everything personal goes; counts stay, anonymous. A tombstone keeps later events out."""
    uow.claim_event(envelope)
    uow.privacy.anonymise(contact_id)
    uow.audience.erase(contact_id, now)
    uow.commit()


def pii_inventory(uow: MarketingUnitOfWork, contact_id: uuid.UUID) -> Any:
    places = {**uow.audience.count_mentions(contact_id), **uow.privacy.counts(contact_id)}
    return {"service": "marketing", "contact_id": str(contact_id), "places": places}
