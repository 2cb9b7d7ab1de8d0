"""Entrypoints of responses: the gateway's public tracking links, bounces and replies, conversions."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from nameko.exceptions import UnknownService
from nameko.timer import timer

from crm_marketing.entrypoints.base import MarketingBase
from crm_marketing.service_layer import responses, unsubscribes
from crm_shared.contracts import marketing as m
from crm_shared.contracts.loading import load_input
from crm_shared.db import utcnow
from crm_shared.errors import CrmError
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.runtime.rpc import call_with_deadline, rpc

log = logging.getLogger(__name__)


class ResponseEntrypoints(MarketingBase):
    @rpc
    def track_open(self, token: str) -> Any:
        """Record an open (the pixel); a bad token answers {} and records nothing."""
        with self.db() as uow:
            return responses.track_open(uow, str(token), self.settings.link_secret, utcnow())

    @rpc
    def track_click(self, token: str) -> Any:
        """Record a click and answer the link's target; a bad or altered token is NotFound."""
        with self.db() as uow:
            return responses.track_click(uow, str(token), self.settings.link_secret, utcnow())

    @rpc
    def unsubscribe(self, token: str) -> Any:
        """One-click unsubscribe: suppressed here at once, consent withdrawn in contacts; idempotent."""
        with self.db() as uow:
            send_id, contact_id = responses.unsubscribe(uow, str(token), self.settings.link_secret, utcnow())
        if contact_id is not None:
            self._withdraw_consent(send_id, contact_id)
        return {}

    @rpc
    def record_bounce(self, body: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """A bounce reported for a sent message; a hard one suppresses the address."""
        fields = load_input(m.BounceSchema, body)
        work = partial(responses.record_bounce, send_id=fields["send_id"], hard=fields["hard"],
                       reason=fields["reason"], now=utcnow())  # fmt: skip
        return self._write("record_bounce", work, idempotency_key)

    @rpc
    def record_reply(self, body: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """A reply received to a sent message."""
        fields = load_input(m.ReplySchema, body)
        work = partial(responses.record_reply, send_id=fields["send_id"], received_at=fields["received_at"],
                       now=utcnow())  # fmt: skip
        return self._write("record_reply", work, idempotency_key)

    @reliable_event_handler("sales", "opportunity.won")
    def on_opportunity_won(self, envelope: Any, data: dict[str, Any]) -> None:
        """Keep won opportunities; the statistics attribute them to campaigns within the window."""
        with self.db() as uow:
            unsubscribes.opportunity_won(uow, envelope, data)

    @timer(interval=5)
    def retry_consent_withdrawals(self) -> None:
        """Unsubscribes whose withdrawal the contacts service did not confirm: ask again."""
        with self.db() as uow:
            waiting = unsubscribes.awaiting_withdrawal(uow)
        for send_id, contact_id in waiting:
            self._withdraw_consent(send_id, contact_id)

    def _withdraw_consent(self, send_id: int, contact_id: Any) -> None:
        change = {"purpose": "email_marketing", "channel": "email", "action": "withdraw",
                  "source": "unsubscribe link"}  # fmt: skip
        try:
            call_with_deadline(self.contacts, "change_consent", str(contact_id), change,
                               f"marketing-unsubscribe:{send_id}", deadline=self.settings.contacts_deadline)  # fmt: skip
        except (CrmError, UnknownService) as error:
            # Suppressed here already; the timer tries the withdrawal again.
            log.warning("consent withdrawal deferred", extra={"error_type": type(error).__name__})
            return
        with self.db() as uow:
            unsubscribes.consent_withdrawn(uow, send_id, utcnow())
