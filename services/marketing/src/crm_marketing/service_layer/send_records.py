"""What became of a batch's sends, recorded a group at a time with their events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.service_layer.customers import publish_summaries

if TYPE_CHECKING:
    from crm_marketing.service_layer.delivery import Delivery


@dataclass
class Outcomes:
    """Sends handled but not yet recorded."""

    sent: list[Any] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.sent) + sum(len(ids) for ids in self.skipped.values())


def record(delivery: Delivery, outcomes: Outcomes) -> int:
    """Sent and skipped sends with their events, in one transaction."""
    if not len(outcomes):
        return 0
    now = delivery.clock()
    with delivery.new_uow() as uow:
        for reason, ids in outcomes.skipped.items():
            uow.sends.mark_many(ids, "skipped", skip_reason=reason)
        by_campaign: dict[uuid.UUID, list[Any]] = {}
        for recipient in outcomes.sent:
            by_campaign.setdefault(recipient.campaign_id, []).append(recipient)
        for campaign_id, sent in by_campaign.items():
            _record_sent(uow, campaign_id, sent, now)
        publish_summaries(uow, {r.contact_id for r in outcomes.sent if r.contact_id is not None})
        uow.commit()
    count = len(outcomes.sent)
    outcomes.sent.clear()
    outcomes.skipped.clear()
    return count


def _record_sent(uow: MarketingUnitOfWork, campaign_id: uuid.UUID, sent: list[Any], now: datetime) -> None:
    campaign = uow.campaigns.get(campaign_id)
    until = now + timedelta(days=campaign.attribution_days)
    uow.sends.mark_many([r.id for r in sent], "sent", sent_at=now, attribution_until=until)
    for recipient in sent:
        if recipient.contact_id is None:
            continue  # erased while its message was on the way
        data = {"campaign_id": campaign_id, "send_id": recipient.id, "contact_id": recipient.contact_id,
                "channel": campaign.channel, "variant": recipient.variant, "sent_at": now}  # fmt: skip
        uow.publish("campaign.message_sent", data, aggregate_id=recipient.contact_id)


def cancelled(delivery: Delivery, campaign_id: uuid.UUID) -> bool:
    """Checked between groups, so a cancellation stops a batch already claimed."""
    with delivery.new_uow() as uow:
        return bool(uow.campaigns.get(campaign_id).status == "cancelled")


def mark(delivery: Delivery, send_id: int, status: str, **values: Any) -> None:
    with delivery.new_uow() as uow:
        uow.sends.mark(send_id, status, **values)
        uow.commit()


def release(delivery: Delivery, send_ids: list[int]) -> None:
    """Claims not yet sent go back to pending, their attempt not counted: nothing reached the server for them."""
    with delivery.new_uow() as uow:
        for send in uow.sends.recipients(send_ids):
            if send.status == "sending":
                uow.sends.mark(send.id, "pending", claimed_at=None, attempts=max(0, send.attempts - 1))
        uow.commit()


def complete_if_done(delivery: Delivery, campaign_id: uuid.UUID) -> None:
    with delivery.new_uow() as uow:
        row = uow.campaigns.get(campaign_id, for_update=True)
        if row.status == "running" and uow.sends.outstanding(campaign_id) == 0:
            now = delivery.clock()
            uow.campaigns.update(campaign_id, {"status": "completed", "completed_at": now, "updated_at": now,
                                               "version": row.version + 1})  # fmt: skip
            data = {"campaign_id": row.id, "name": row.name, "channel": row.channel, "status": "completed",
                    "send_at": row.send_at, "recipients": uow.sends.count(campaign_id)}  # fmt: skip
            uow.publish("campaign.completed", data, aggregate_id=row.id)
        uow.commit()
