"""Customers: the 360 summary, value tiers from sales, contacts' merges and erasures, privacy."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.commands import read, run_command
from crm_shared.contracts.loading import parse_id
from crm_shared.db import utcnow
from crm_shared.envelope import Envelope
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.runtime.rpc import rpc
from crm_support.entrypoints.base import SupportBase
from crm_support.service_layer import customers


class CustomerEntrypoints(SupportBase):
    @rpc
    def customer_summary(self, contact_id: str) -> Any:
        """The customer's support part of the 360: open tickets with SLA state, recent solved, CSAT."""
        subject = parse_id(contact_id, "contact_id")
        return read(self.db, partial(customers.customer_summary, contact_id=subject, now=utcnow()))

    @reliable_event_handler("sales", "customer_summary.updated")
    def on_sales_summary(self, envelope: Envelope, data: dict[str, Any]) -> None:
        """Keep the customer's value tier for routing rules."""
        if data.get("part") == "sales":
            run_command(self.db, partial(customers.note_value_tier, envelope=envelope, data=data, now=utcnow()),
                        operation="note_value_tier")  # fmt: skip

    @reliable_event_handler("contacts", "contact.merged")
    def on_contact_merged(self, envelope: Envelope, data: dict[str, Any]) -> None:
        """The merged contact's tickets follow the survivor."""
        work = partial(customers.follow_contact_merge, envelope=envelope, data=data, now=utcnow())
        run_command(self.db, work, operation="follow_contact_merge")

    @reliable_event_handler("contacts", "contact.erased")
    def on_contact_erased(self, envelope: Envelope, data: dict[str, Any]) -> None:
        """Anonymise the customer's tickets, keeping counts and timings."""
        work = partial(customers.erase_customer, envelope=envelope, data=data, now=utcnow())
        run_command(self.db, work, operation="erase_customer")
        self.dead_letters.erase_mentions(str(data["contact_id"]))

    @rpc
    def pii_inventory(self, contact_id: str) -> Any:
        """Places holding the contact's personal data, with counts; all 0 after erasure."""
        subject = parse_id(contact_id, "contact_id")
        inventory = read(self.db, partial(customers.pii_inventory, contact_id=subject))
        inventory["places"]["dead_letters"] = self.dead_letters.count_mentions(str(subject))
        return inventory

    @rpc
    def export_contact(self, contact_id: str) -> Any:
        """Everything support holds about a contact (data protection access request)."""
        subject = parse_id(contact_id, "contact_id")
        return read(self.db, partial(customers.export_customer, contact_id=subject, now=utcnow()))
