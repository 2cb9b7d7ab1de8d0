"""Keeping the audience read model from other services' events, and segment memberships with it.

Each handler claims the event (a redelivery changes nothing), skips an event older than
the last one applied for that contact and producer (reordering), and re-evaluates the
contact's dynamic segments in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.audience import contact_facts, email_consent
from crm_marketing.service_layer.customers import publish_summaries
from crm_marketing.service_layer.memberships import reevaluate_contact
from crm_shared.envelope import Envelope


def contact_changed(uow: MarketingUnitOfWork, envelope: Envelope, contact: dict[str, Any], now: datetime) -> None:
    """``contact.created`` / ``contact.updated``: the full contact replaces what was kept."""
    facts = contact_facts(contact)
    _apply(uow, envelope, facts.contact_id, "contacts_sequence", now,
           lambda: uow.audience.put_contact(facts, envelope.sequence, now))  # fmt: skip


def consent_changed(uow: MarketingUnitOfWork, envelope: Envelope, data: dict[str, Any], now: datetime) -> None:
    """``consent.changed`` carries the whole current state."""
    contact_id = data["contact_id"]
    allowed = email_consent(data["state"])
    _apply(uow, envelope, contact_id, "consent_sequence", now,
           lambda: uow.audience.update(contact_id, now, email_consent=allowed, consent_sequence=envelope.sequence))  # fmt: skip


def interaction_logged(uow: MarketingUnitOfWork, envelope: Envelope, data: dict[str, Any], now: datetime) -> None:
    contact_id, at = data["contact_id"], data["occurred_at"]

    def keep_newest() -> None:
        row = uow.audience.get(contact_id)
        if row.last_interaction_at is None or row.last_interaction_at < at:
            uow.audience.update(contact_id, now, last_interaction_at=at)

    _apply(uow, envelope, contact_id, None, now, keep_newest)


def sales_summary(uow: MarketingUnitOfWork, envelope: Envelope, data: dict[str, Any], now: datetime) -> None:
    """Sales' part of the customer 360: RFM scores, value tier and last order."""
    contact_id, summary = data["contact_id"], data["summary"]
    rfm = summary.get("rfm") or {}
    values = {
        "rfm_recency": rfm.get("recency"),
        "rfm_frequency": rfm.get("frequency"),
        "rfm_monetary": rfm.get("monetary"),
        "value_tier": rfm.get("tier"),
        "last_order_at": summary.get("last_order_at"),
        "sales_sequence": envelope.sequence,
    }
    _apply(uow, envelope, contact_id, "sales_sequence", now, lambda: uow.audience.update(contact_id, now, **values))


def support_summary(uow: MarketingUnitOfWork, envelope: Envelope, data: dict[str, Any], now: datetime) -> None:
    """Support's part of the customer 360: how many tickets are open."""
    contact_id = data["contact_id"]
    values = {"open_tickets": len(data["summary"]["open_tickets"]), "support_sequence": envelope.sequence}
    _apply(uow, envelope, contact_id, "support_sequence", now, lambda: uow.audience.update(contact_id, now, **values))


def _apply(
    uow: MarketingUnitOfWork,
    envelope: Envelope,
    contact_id: uuid.UUID,
    sequence_column: str | None,
    now: datetime,
    change: Callable[[], None],
) -> None:
    if not uow.claim_event(envelope) or uow.audience.is_erased(contact_id):
        uow.commit()
        return
    uow.audience.ensure(contact_id, now)
    last = uow.audience.sequence_of(contact_id, sequence_column) if sequence_column else None
    if last is not None and envelope.sequence <= last:
        uow.commit()
        return
    change()
    if reevaluate_contact(uow, contact_id, now):
        publish_summaries(uow, {contact_id})
    uow.commit()
