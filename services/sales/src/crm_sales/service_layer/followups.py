"""Follow-ups: an open opportunity left idle too long is announced as stale, once per idle spell."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.service_layer import present


def report_stale(uow: Uow, stale_after_days: int, now: datetime) -> tuple[Any, Any]:
    """Publish ``opportunity.stale`` for each open deal with no interaction or stage change for N days.

    A deal is reported again only after new activity and a new idle spell of N days.
    """
    stale = uow.opportunities.claim_stale(now - timedelta(days=stale_after_days), now)
    for opportunity in stale:
        body = {
            "opportunity": present.opportunity(opportunity),
            "idle_since": opportunity.last_activity_at.isoformat(),
            "stale_after_days": stale_after_days,
        }
        uow.publish("opportunity.stale", body, opportunity.id)
    return len(stale), None
