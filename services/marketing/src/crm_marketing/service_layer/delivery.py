"""Sending a running campaign's messages: consent checked per contact at the moment of sending.

Each send moves pending -> sending (claimed and committed before the delivery server is
called) -> sent. Sent and skipped sends are recorded a few at a time (``RECORD_EVERY``),
each group in one transaction with its events. A process that dies leaves its claimed rows
``sending``; once their lease has passed they become ``uncertain`` and are never sent
again: delivery is at most once, as a second copy of a marketing mail costs more trust
than a missing one. The price is that a crash can leave up to a batch of messages that
may or may not have gone out, counted apart in the statistics.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from crm_marketing.adapters.email_channel import Channel, Deferred, Refused, Unreachable
from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.pacing import RateLimiter
from crm_marketing.service_layer.campaigns import start_due_campaigns
from crm_marketing.service_layer.messages import compose, suppression_reason
from crm_marketing.service_layer.responses import record_bounce_of
from crm_marketing.service_layer.send_records import (
    Outcomes,
    cancelled,
    complete_if_done,
    mark,
    record,
    release,
)
from crm_marketing.settings import MarketingSettings
from crm_shared.commands import run_command
from crm_shared.errors import ServiceUnavailable

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
RECORD_EVERY = 25


@dataclass
class Delivery:
    """What sending needs from outside: the database, a channel, the contacts service's consent, a clock."""

    new_uow: Callable[[], MarketingUnitOfWork]
    open_channel: Callable[[], Channel]
    consent_now: Callable[[uuid.UUID], bool]  # raises ServiceUnavailable when it cannot tell
    settings: MarketingSettings
    limiter: RateLimiter
    clock: Callable[[], datetime]
    # Runs the lanes of a batch (one SMTP connection each) and answers their results; the
    # service runs them in green threads, so the server's round trips overlap.
    run_lanes: Callable[[list[Callable[[], int]]], list[int]] = lambda lanes: [lane() for lane in lanes]


def deliver(delivery: Delivery) -> int:
    """One round of the timer: start due campaigns, retire dead claims, send one batch per campaign."""
    run_command(delivery.new_uow, partial(start_due_campaigns, now=delivery.clock()), operation="start_due")
    lease = timedelta(seconds=delivery.settings.send_lease_seconds)
    with delivery.new_uow() as uow:
        uow.sends.expire_leases(delivery.clock() - lease)
        campaign_ids = uow.campaigns.running_ids()
        uow.commit()
    return sum(send_batch(delivery, campaign_id) for campaign_id in campaign_ids)


def send_batch(delivery: Delivery, campaign_id: uuid.UUID) -> int:
    with delivery.new_uow() as uow:
        claimed = uow.sends.claim(campaign_id, delivery.settings.send_batch, delivery.clock())
        uow.commit()
        recipients = uow.sends.recipients(claimed) if claimed else []
    count = max(1, min(delivery.settings.smtp.connections, len(recipients)))
    lanes = [recipients[lane::count] for lane in range(count)]
    sent = sum(delivery.run_lanes([partial(_send_lane, delivery, campaign_id, lane) for lane in lanes if lane]))
    complete_if_done(delivery, campaign_id)
    return sent


def _send_lane(delivery: Delivery, campaign_id: uuid.UUID, recipients: list[Any]) -> int:
    outcomes, sent = Outcomes(), 0
    if cancelled(delivery, campaign_id):
        outcomes.skipped["cancelled"] = [r.id for r in recipients]
        return record(delivery, outcomes)
    with delivery.open_channel() as channel:
        for index, recipient in enumerate(recipients):
            try:
                send_one(delivery, channel, recipient, outcomes)
            except (ServiceUnavailable, Unreachable) as pause:
                # Contacts cannot vouch for consent, or the mail server cannot be reached: try again next round.
                log.warning("sending paused", extra={"campaign_id": str(campaign_id), "cause": type(pause).__name__})
                sent += record(delivery, outcomes)
                release(delivery, [r.id for r in recipients[index:]])
                return sent
            if len(outcomes) >= RECORD_EVERY:
                sent += record(delivery, outcomes)
                if cancelled(delivery, campaign_id):
                    outcomes.skipped["cancelled"] = [r.id for r in recipients[index + 1 :]]
                    break
    return sent + record(delivery, outcomes)


def send_one(delivery: Delivery, channel: Channel, recipient: Any, outcomes: Outcomes) -> None:
    reason = suppression_reason(recipient)
    if reason is None and not delivery.consent_now(recipient.contact_id):
        reason = "no_consent"
    if reason is not None:
        outcomes.skipped.setdefault(reason, []).append(recipient.id)
        return
    message = compose(recipient, delivery.settings)
    delivery.limiter.wait()
    try:
        channel.send(message)
    except Refused:
        with delivery.new_uow() as uow:
            record_bounce_of(uow, recipient, hard=True, reason="refused at send", now=delivery.clock())
            uow.commit()
        return
    except Unreachable:
        raise
    except Deferred:
        # The server refused this message for now: nothing was accepted, so it is tried again, a few times.
        status = "failed" if recipient.attempts >= MAX_ATTEMPTS else "pending"
        mark(delivery, recipient.id, status, skip_reason="deferred" if status == "failed" else None)
        return
    outcomes.sent.append(recipient)
