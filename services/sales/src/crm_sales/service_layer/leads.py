"""Handlers of leads: capture (scored and assigned), details, activity, status and conversion."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.domain import leads as model
from crm_sales.domain.leads import Lead
from crm_sales.service_layer import present
from crm_sales.service_layer.opportunities import open_opportunity
from crm_sales.settings import SalesSettings
from crm_shared.errors import NotFound, StaleVersion

ROUND_ROBIN = "leads"


def existing_lead(uow: Uow, lead_id: uuid.UUID, expected_version: int | None = None) -> Lead:
    lead = uow.leads.get(lead_id)
    if lead is None:
        raise NotFound("No such lead.", lead_id=str(lead_id))
    if expected_version is not None and expected_version != lead.version:
        raise StaleVersion("The lead has changed since you read it.", version=lead.version)
    return lead


def capture_lead(uow: Uow, fields: dict[str, Any], settings: SalesSettings, now: datetime) -> tuple[Any, Any]:
    """Scored by the configured rules; an owner given wins, else the first matching rule, else the next in turn."""
    lead = model.capture_lead(fields, now)
    lead = replace(lead, score=model.score(lead, settings.scoring), owner=lead.owner or _assignee(uow, lead, settings))
    uow.leads.add(lead)
    body = present.lead(lead)
    uow.publish("lead.created", body, lead.id)
    return body, None


def _assignee(uow: Uow, lead: Lead, settings: SalesSettings) -> str | None:
    owner = model.owner_by_rule(lead, settings.assignment)
    owners = settings.assignment.round_robin
    if owner is None and owners:
        owner = owners[uow.leads.next_turn(ROUND_ROBIN) % len(owners)]
    return owner


def get_lead(uow: Uow, lead_id: uuid.UUID) -> dict[str, Any]:
    return present.lead(existing_lead(uow, lead_id))


def search_leads(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.leads.search(filters, filters["limit"])
    return present.page(found, next_cursor, present.lead)


def update_lead(
    uow: Uow, lead_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None,
    settings: SalesSettings, now: datetime,
) -> tuple[Any, Any]:  # fmt: skip
    lead = existing_lead(uow, lead_id, expected_version)
    return _save_scored(uow, lead, model.change_details(lead, changes, now), settings)


def record_activity(uow: Uow, lead_id: uuid.UUID, kind: str, settings: SalesSettings, now: datetime) -> tuple[Any, Any]:
    """An email opened, a page visited, a meeting booked: the score follows."""
    lead = existing_lead(uow, lead_id)
    return _save_scored(uow, lead, model.record_activity(lead, kind, now), settings)


def _save_scored(uow: Uow, before: Lead, after: Lead, settings: SalesSettings) -> tuple[Any, Any]:
    after = replace(after, score=model.score(after, settings.scoring))
    uow.leads.save(after, before.version)
    return present.lead(after), after.contact_id


def change_status(
    uow: Uow, lead_id: uuid.UUID, change: dict[str, Any], expected_version: int | None, now: datetime
) -> tuple[Any, Any]:
    """Publishes ``lead.qualified`` when a lead becomes qualified."""
    lead = existing_lead(uow, lead_id, expected_version)
    changed = model.change_status(lead, change["status"], change.get("reason"), now)
    uow.leads.save(changed, lead.version)
    body = present.lead(changed)
    if changed.status == model.QUALIFIED:
        uow.publish("lead.qualified", body, lead.id)
    return body, lead.contact_id


def complete_conversion(
    uow: Uow,
    lead_id: uuid.UUID,
    contact_id: uuid.UUID,
    account_id: uuid.UUID | None,
    conversion: dict[str, Any],
    now: datetime,
) -> tuple[Any, Any]:
    """The local half of a conversion, once the contact (and account) exist: opportunity and lead, together."""
    lead = existing_lead(uow, lead_id)
    model.ensure_convertible(lead)
    opportunity = open_opportunity(
        uow,
        {
            "name": conversion.get("opportunity_name") or _deal_name(lead),
            "pipeline_id": conversion["pipeline_id"],
            "stage_id": conversion.get("stage_id"),
            "contact_id": contact_id,
            "account_id": account_id,
            "owner": lead.owner,
            "amount": conversion["amount"],
            "expected_close_date": conversion.get("expected_close_date"),
            "lead_id": lead.id,
        },
        now,
    )
    converted = model.mark_converted(lead, opportunity.contact_id or contact_id, account_id, opportunity.id, now)
    uow.leads.save(converted, lead.version)
    body = {
        "lead": present.lead(converted),
        "contact_id": str(converted.contact_id),
        "account_id": None if account_id is None else str(account_id),
        "opportunity": present.opportunity(opportunity),
    }
    uow.publish("lead.converted", body, lead.id)
    return body, converted.contact_id


def _deal_name(lead: Lead) -> str:
    who = lead.company or " ".join(p for p in (lead.first_name, lead.last_name) if p) or "New lead"
    return f"{who} deal"[:200]


def new_contact_fields(lead: Lead, account_id: uuid.UUID | None) -> dict[str, Any]:
    """The contact a lead becomes, in the contacts service's create contract."""
    fields: dict[str, Any] = {
        "first_name": lead.first_name,
        "last_name": lead.last_name or (None if lead.first_name or lead.email else lead.company),
        "job_title": lead.job_title,
        "owner": lead.owner,
        "source": lead.source or lead.channel,
        "lifecycle_stage": "opportunity",
        "account_id": None if account_id is None else str(account_id),
    }
    if lead.email:
        fields["emails"] = [{"address": lead.email, "primary": True}]
    if lead.phone:
        fields["phones"] = [{"number": lead.phone, "primary": True}]
    return {name: value for name, value in fields.items() if value is not None}
