"""RPC of leads: capture, details, activity, status and conversion."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_sales.entrypoints.base import SalesBase
from crm_sales.service_layer import conversion, leads
from crm_shared.commands import read
from crm_shared.contracts import sales as s
from crm_shared.contracts.loading import load_input, parse_id, parse_version
from crm_shared.db import utcnow
from crm_shared.runtime.rpc import call_with_deadline, rpc


class ContactsWithDeadline:
    """The contacts service's calls a conversion makes, each with a deadline."""

    def __init__(self, proxy: Any, deadline: float) -> None:
        self.proxy = proxy
        self.deadline = deadline

    def create_account(self, fields: dict[str, Any], idempotency_key: str) -> Any:
        return call_with_deadline(self.proxy, "create_account", fields, idempotency_key, deadline=self.deadline)

    def create_contact(self, fields: dict[str, Any], idempotency_key: str) -> Any:
        return call_with_deadline(self.proxy, "create_contact", fields, idempotency_key, deadline=self.deadline)


class LeadEntrypoints(SalesBase):
    @rpc
    def capture_lead(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Capture a lead from any channel, scored and assigned; publishes ``lead.created``."""
        work = partial(
            leads.capture_lead, fields=load_input(s.LeadCreateSchema, fields), settings=self.settings, now=utcnow()
        )
        return self._write("capture_lead", work, idempotency_key)

    @rpc
    def get_lead(self, lead_id: str) -> Any:
        """One lead."""
        return read(self.db, partial(leads.get_lead, lead_id=parse_id(lead_id, "lead_id")))

    @rpc
    def search_leads(self, query: dict[str, Any]) -> Any:
        """Leads by status, owner, channel or score; cursor-paginated."""
        return read(self.db, partial(leads.search_leads, filters=load_input(s.LeadSearchSchema, query)))

    @rpc
    def update_lead(
        self, lead_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change the lead's details; its score follows."""
        work = partial(
            leads.update_lead,
            lead_id=parse_id(lead_id, "lead_id"),
            changes=load_input(s.LeadUpdateSchema, changes),
            expected_version=parse_version(expected_version),
            settings=self.settings,
            now=utcnow(),
        )
        return self._write("update_lead", work, idempotency_key)

    @rpc
    def record_lead_activity(self, lead_id: str, activity: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Count an activity (email opened, page visit, meeting booked...) towards the lead's score."""
        work = partial(
            leads.record_activity,
            lead_id=parse_id(lead_id, "lead_id"),
            kind=load_input(s.LeadActivitySchema, activity)["kind"],
            settings=self.settings,
            now=utcnow(),
        )
        return self._write("record_lead_activity", work, idempotency_key)

    @rpc
    def change_lead_status(
        self, lead_id: str, change: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """New, working, qualified or disqualified (with a reason); publishes ``lead.qualified``."""
        work = partial(
            leads.change_status,
            lead_id=parse_id(lead_id, "lead_id"),
            change=load_input(s.LeadStatusSchema, change),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("change_lead_status", work, idempotency_key)

    @rpc
    def convert_lead(self, lead_id: str, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Contact (and account) in contacts, opportunity here; safe to retry; publishes ``lead.converted``.

        The keys of every step derive from the lead id, so any caller's retry is safe;
        ``idempotency_key`` is accepted for the uniform signature.
        """
        subject = parse_id(lead_id, "lead_id")
        port = ContactsWithDeadline(self.contacts, self.settings.contacts_deadline)
        return conversion.convert_lead(self.db, port, subject, load_input(s.LeadConvertSchema, fields))
