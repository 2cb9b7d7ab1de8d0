"""Unsubscribes whose consent withdrawal the contacts service has not confirmed yet, and conversions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_shared.envelope import Envelope


def consent_withdrawn(uow: MarketingUnitOfWork, send_id: int, now: datetime) -> None:
    send = uow.sends.get(send_id)
    uow.sends.mark(send_id, send.status, consent_withdrawn_at=now)
    uow.commit()


def awaiting_withdrawal(uow: MarketingUnitOfWork, limit: int = 50) -> list[tuple[int, Any]]:
    return [(row.id, row.contact_id) for row in uow.sends.awaiting_withdrawal(limit)]


def opportunity_won(uow: MarketingUnitOfWork, envelope: Envelope, data: dict[str, Any]) -> None:
    """A won opportunity of a contact: a conversion for any campaign it received within the window."""
    if uow.claim_event(envelope) and data.get("contact_id") is not None:
        if not uow.audience.is_erased(data["contact_id"]):
            uow.performance.record_conversion(data, won_at=data.get("closed_at") or envelope.occurred_at)
    uow.commit()
