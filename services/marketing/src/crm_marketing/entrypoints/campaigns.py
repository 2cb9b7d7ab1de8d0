"""Entrypoints of campaigns: drafting, scheduling, launching, cancelling, and the timer that sends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from nameko.timer import timer

from crm_marketing.adapters.email_channel import SmtpChannel
from crm_marketing.domain.audience import email_consent
from crm_marketing.entrypoints.base import MarketingBase
from crm_marketing.service_layer import campaigns, delivery, performance
from crm_shared.commands import read
from crm_shared.contracts import marketing as m
from crm_shared.contracts.loading import load_input, parse_id, parse_version
from crm_shared.db import utcnow
from crm_shared.errors import Gone, Moved, NotFound, ServiceUnavailable
from crm_shared.runtime.rpc import call_with_deadline, rpc


class CampaignEntrypoints(MarketingBase):
    @rpc
    def create_campaign(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a draft campaign."""
        work = partial(
            campaigns.create_campaign,
            fields=load_input(m.CampaignCreateSchema, fields),
            now=utcnow(),
            attribution_days=self.settings.attribution_days,
        )
        return self._write("create_campaign", work, idempotency_key)

    @rpc
    def get_campaign(self, campaign_id: str) -> Any:
        """A campaign."""
        return read(self.db, partial(campaigns.get_campaign, campaign_id=parse_id(campaign_id, "campaign_id")))

    @rpc
    def list_campaigns(self, query: dict[str, Any] | None = None) -> Any:
        """Campaigns, newest first, optionally by status; cursor-paginated."""
        return read(self.db, partial(campaigns.list_campaigns, query=load_input(m.CampaignSearchSchema, query)))

    @rpc
    def update_campaign(
        self, campaign_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change a draft or scheduled campaign; the cost may be entered at any time."""
        work = partial(
            campaigns.update_campaign,
            campaign_id=parse_id(campaign_id, "campaign_id"),
            changes=load_input(m.CampaignUpdateSchema, changes),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("update_campaign", work, idempotency_key)

    @rpc
    def schedule_campaign(
        self, campaign_id: str, body: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Give a draft campaign its send time; publishes ``campaign.scheduled``."""
        work = partial(
            campaigns.schedule_campaign,
            campaign_id=parse_id(campaign_id, "campaign_id"),
            send_at=load_input(m.ScheduleSchema, body)["send_at"],
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("schedule_campaign", work, idempotency_key)

    @rpc
    def launch_campaign(
        self, campaign_id: str, expected_version: int | None = None, idempotency_key: str | None = None
    ) -> Any:
        """Start sending now; publishes ``campaign.launched``."""
        work = partial(
            campaigns.launch_campaign,
            campaign_id=parse_id(campaign_id, "campaign_id"),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("launch_campaign", work, idempotency_key)

    @rpc
    def cancel_campaign(
        self, campaign_id: str, expected_version: int | None = None, idempotency_key: str | None = None
    ) -> Any:
        """Cancel; messages not yet sent are not sent. Publishes ``campaign.cancelled``."""
        work = partial(
            campaigns.cancel_campaign,
            campaign_id=parse_id(campaign_id, "campaign_id"),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("cancel_campaign", work, idempotency_key)

    @rpc
    def campaign_stats(self, campaign_id: str) -> Any:
        """Sent, delivered, bounced, opened, clicked, unsubscribed, converted, revenue, ROI; per variant, A/B tested."""
        return read(self.db, partial(performance.campaign_stats, campaign_id=parse_id(campaign_id, "campaign_id")))

    @timer(interval=1)
    def send_due_messages(self) -> None:
        """Start scheduled campaigns whose time has come and send a batch of each running one."""
        delivery.deliver(self._delivery())

    def _delivery(self) -> delivery.Delivery:
        settings = self.settings
        return delivery.Delivery(
            new_uow=self.db,
            open_channel=lambda: SmtpChannel(settings.smtp, settings.from_address),
            consent_now=self._consent_now,
            settings=settings,
            limiter=self.pacing,
            clock=utcnow,
            run_lanes=_in_green_threads,
        )

    def _consent_now(self, contact_id: uuid.UUID) -> bool:
        """The contacts service's own word, closing the race with a withdrawal still on its way here."""
        try:
            consents = call_with_deadline(
                self.contacts, "get_consents", str(contact_id), deadline=self.settings.contacts_deadline
            )
        except (NotFound, Gone, Moved):
            return False
        except UnknownService:
            raise ServiceUnavailable("the contacts service is not running") from None
        return email_consent(consents["state"])


def _in_green_threads(lanes: list[Callable[[], int]]) -> list[int]:
    pool = eventlet.GreenPool(len(lanes) or 1)
    return list(pool.imap(lambda lane: lane(), lanes))
