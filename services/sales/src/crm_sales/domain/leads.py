"""Leads: captured from a channel, scored by configurable rules, assigned, qualified, converted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from crm_shared.errors import Invalid

NEW, WORKING, QUALIFIED, DISQUALIFIED, CONVERTED = "new", "working", "qualified", "disqualified", "converted"
DETAILS = ("first_name", "last_name", "email", "phone", "company", "job_title", "source", "owner", "attributes")


@dataclass(frozen=True)
class Lead:
    id: uuid.UUID
    channel: str
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    job_title: str | None = None
    source: str | None = None
    owner: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)
    status: str = NEW
    disqualify_reason: str | None = None
    score: int = 0
    contact_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    converted_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class ScoringRules:
    """Points per channel, per matching attribute and per recorded activity (from configuration).

    ``attributes`` entries: ``{"field": "job_title", "contains": "director", "points": 10}``,
    ``{"field": "industry", "equals": "software", "points": 5}`` or ``{"field": "email", "present": true,
    "points": 5}``; a field that is not a lead detail is looked up in the lead's ``attributes``.
    """

    channels: dict[str, int] = field(default_factory=dict)
    attributes: tuple[dict[str, Any], ...] = ()
    activity: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AssignmentRules:
    """First matching rule's owner (``{"field", "equals", "owner"}``), else the next owner in turn."""

    rules: tuple[dict[str, Any], ...] = ()
    round_robin: tuple[str, ...] = ()


def capture_lead(fields: dict[str, Any], now: datetime) -> Lead:
    return Lead(id=uuid.uuid4(), created_at=now, updated_at=now, **fields)


def value_of(lead: Lead, name: str) -> Any:
    return getattr(lead, name) if name in DETAILS or name == "channel" else lead.attributes.get(name)


def score(lead: Lead, rules: ScoringRules) -> int:
    points = rules.channels.get(lead.channel, 0)
    points += sum(rule.get("points", 0) for rule in rules.attributes if _matches(value_of(lead, rule["field"]), rule))
    points += sum(rules.activity.get(kind, 0) * count for kind, count in lead.activity.items())
    return int(points)


def _matches(value: Any, rule: dict[str, Any]) -> bool:
    if "equals" in rule:
        return str(value).casefold() == str(rule["equals"]).casefold() if value is not None else False
    if "contains" in rule:
        return value is not None and str(rule["contains"]).casefold() in str(value).casefold()
    if "present" in rule:
        return (value not in (None, "")) == bool(rule["present"])
    return False


def owner_by_rule(lead: Lead, rules: AssignmentRules) -> str | None:
    for rule in rules.rules:
        if _matches(value_of(lead, rule["field"]), rule):
            return str(rule["owner"])
    return None


def change_details(lead: Lead, changes: dict[str, Any], now: datetime) -> Lead:
    if not changes:
        raise Invalid("Nothing to change.", fields={"_schema": ["No fields given."]})
    _ensure_not_converted(lead)
    return replace(lead, **changes, updated_at=now, version=lead.version + 1)


def record_activity(lead: Lead, kind: str, now: datetime) -> Lead:
    _ensure_not_converted(lead)
    activity = {**lead.activity, kind: lead.activity.get(kind, 0) + 1}
    return replace(lead, activity=activity, updated_at=now, version=lead.version + 1)


def change_status(lead: Lead, status: str, reason: str | None, now: datetime) -> Lead:
    """Any of new, working, qualified, disqualified to another; conversion is final."""
    _ensure_not_converted(lead)
    if status == lead.status:
        raise Invalid("Input is not valid.", fields={"status": [f"The lead is {status} already."]})
    return replace(
        lead,
        status=status,
        disqualify_reason=reason if status == DISQUALIFIED else None,
        updated_at=now,
        version=lead.version + 1,
    )


def ensure_convertible(lead: Lead) -> None:
    if lead.status != QUALIFIED:
        raise Invalid(
            "Input is not valid.", fields={"status": [f"Only a qualified lead converts; it is {lead.status}."]}
        )


def mark_converted(
    lead: Lead,
    contact_id: uuid.UUID,
    account_id: uuid.UUID | None,
    opportunity_id: uuid.UUID,
    now: datetime,
) -> Lead:
    ensure_convertible(lead)
    return replace(
        lead,
        status=CONVERTED,
        contact_id=contact_id,
        account_id=account_id,
        opportunity_id=opportunity_id,
        converted_at=now,
        updated_at=now,
        version=lead.version + 1,
    )


def _ensure_not_converted(lead: Lead) -> None:
    if lead.status == CONVERTED:
        raise Invalid("Input is not valid.", fields={"status": ["The lead is converted; it no longer changes."]})
