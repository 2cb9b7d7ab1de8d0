"""Entrypoints of the customer record: contacts' merges and erasures, inventory, summary."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from crm_marketing.entrypoints.base import MarketingBase
from crm_marketing.service_layer import customers, privacy
from crm_shared.commands import read
from crm_shared.contracts.loading import parse_id
from crm_shared.db import utcnow
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.runtime.rpc import rpc


class PrivacyEntrypoints(MarketingBase):
    @reliable_event_handler("contacts", "contact.merged")
    def on_contact_merged(self, envelope: Any, data: dict[str, Any]) -> None:
        """Re-point the merged contact's sends, responses and list places to the survivor."""
        with self.db() as uow:
            privacy.contact_merged(uow, envelope, data, utcnow())

    @reliable_event_handler("contacts", "contact.erased")
    def on_contact_erased(self, envelope: Any, data: dict[str, Any]) -> None:
        """Erase what marketing holds about the person, keeping anonymous counts."""
        subject = str(data["contact_id"])
        with self.db() as uow:
            privacy.contact_erased(uow, envelope, uuid.UUID(subject), utcnow())
        self.dead_letters.erase_mentions(subject)

    @rpc
    def customer_summary(self, contact_id: str) -> Any:
        """The customer's marketing part of the customer 360 (as ``customer_summary.updated`` carries it)."""
        subject = parse_id(contact_id, "contact_id")
        return read(self.db, partial(customers.get_summary, contact_id=subject))

    @rpc
    def pii_inventory(self, contact_id: str) -> Any:
        """Places holding data about the contact, with counts; all 0 after erasure."""
        subject = parse_id(contact_id, "contact_id")
        inventory = read(self.db, partial(privacy.pii_inventory, contact_id=subject))
        inventory["places"]["dead_letters"] = self.dead_letters.count_mentions(str(subject))
        return inventory
