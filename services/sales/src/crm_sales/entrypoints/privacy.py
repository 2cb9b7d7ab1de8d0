"""Entrypoints of the customer record: contacts' merges and erasures, activity, export, inventory, summary."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from crm_sales.entrypoints.base import SalesBase
from crm_sales.service_layer import customers, privacy
from crm_shared.commands import read
from crm_shared.contracts.loading import parse_id
from crm_shared.db import utcnow
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.runtime.rpc import rpc


class PrivacyEntrypoints(SalesBase):
    @reliable_event_handler("contacts", "contact.merged")
    def on_contact_merged(self, envelope: Any, data: dict[str, Any]) -> None:
        """Re-point the merged contact's leads, opportunities and orders to the survivor."""
        with self.db() as uow:
            privacy.contact_merged(uow, envelope, _id(data["merged_id"]), _id(data["survivor_id"]))

    @reliable_event_handler("contacts", "contact.erased")
    def on_contact_erased(self, envelope: Any, data: dict[str, Any]) -> None:
        """Erase what sales holds about the person, keeping anonymised amounts."""
        subject = str(data["contact_id"])
        with self.db() as uow:
            privacy.contact_erased(uow, envelope, _id(subject), utcnow())
        self.dead_letters.erase_mentions(subject)

    @reliable_event_handler("contacts", "interaction.logged")
    def on_interaction_logged(self, envelope: Any, data: dict[str, Any]) -> None:
        """Count the interaction as activity on the contact's open opportunities."""
        with self.db() as uow:
            privacy.interaction_logged(uow, envelope, _id(data["contact_id"]), data["occurred_at"])

    @rpc
    def customer_summary(self, contact_id: str) -> Any:
        """The customer's sales part of the customer 360 (as ``customer_summary.updated`` carries it)."""
        subject = parse_id(contact_id, "contact_id")
        return read(self.db, partial(customers.get_summary, contact_id=subject))

    @rpc
    def export_contact(self, contact_id: str) -> Any:
        """Everything sales holds about a contact (data protection access request)."""
        return read(self.db, partial(privacy.export_contact, contact_id=parse_id(contact_id, "contact_id")))

    @rpc
    def pii_inventory(self, contact_id: str) -> Any:
        """Places holding data about the contact, with counts; all 0 after erasure."""
        subject = parse_id(contact_id, "contact_id")
        inventory = read(self.db, partial(privacy.pii_inventory, contact_id=subject))
        inventory["places"]["dead_letters"] = self.dead_letters.count_mentions(str(subject))
        return inventory


def _id(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
