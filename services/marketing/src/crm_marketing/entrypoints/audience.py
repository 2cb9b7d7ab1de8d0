"""Entrypoints that keep the audience read model from contacts', sales' and support's events."""

from __future__ import annotations

from typing import Any

from crm_marketing.entrypoints.base import MarketingBase
from crm_marketing.service_layer import audience
from crm_shared.db import utcnow
from crm_shared.runtime.events import reliable_event_handler


class AudienceEntrypoints(MarketingBase):
    @reliable_event_handler("contacts", "contact.created")
    def on_contact_created(self, envelope: Any, data: dict[str, Any]) -> None:
        """Keep the new contact's facts and place it in the segments it matches."""
        with self.db() as uow:
            audience.contact_changed(uow, envelope, data, utcnow())

    @reliable_event_handler("contacts", "contact.updated")
    def on_contact_updated(self, envelope: Any, data: dict[str, Any]) -> None:
        """Replace the contact's facts and re-evaluate its segments."""
        with self.db() as uow:
            audience.contact_changed(uow, envelope, data, utcnow())

    @reliable_event_handler("contacts", "consent.changed")
    def on_consent_changed(self, envelope: Any, data: dict[str, Any]) -> None:
        """Keep whether email marketing is allowed, as the contact's current consent says."""
        with self.db() as uow:
            audience.consent_changed(uow, envelope, data, utcnow())

    @reliable_event_handler("contacts", "interaction.logged")
    def on_interaction_logged(self, envelope: Any, data: dict[str, Any]) -> None:
        """Keep the time of the contact's last interaction."""
        with self.db() as uow:
            audience.interaction_logged(uow, envelope, data, utcnow())

    @reliable_event_handler("sales", "customer_summary.updated")
    def on_sales_summary(self, envelope: Any, data: dict[str, Any]) -> None:
        """Keep RFM scores, value tier and last order."""
        with self.db() as uow:
            audience.sales_summary(uow, envelope, data, utcnow())

    @reliable_event_handler("support", "customer_summary.updated")
    def on_support_summary(self, envelope: Any, data: dict[str, Any]) -> None:
        """Keep the number of open tickets."""
        with self.db() as uow:
            audience.support_summary(uow, envelope, data, utcnow())
