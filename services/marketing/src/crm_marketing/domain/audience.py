"""The facts marketing keeps about a contact, taken from the contacts service's full representation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

EMAIL_PURPOSE = "email_marketing"
EMAIL_CHANNEL = "email"


@dataclass(frozen=True)
class ContactFacts:
    contact_id: uuid.UUID
    first_name: str | None
    last_name: str | None
    email: str | None
    lifecycle_stage: str | None
    owner: str | None
    multi_valued: frozenset[tuple[str, str]]  # (fact name, value): tags, interests, demographics.<key>...


def contact_facts(contact: Mapping[str, Any]) -> ContactFacts:
    marketing = contact.get("marketing") or {}
    multi: set[tuple[str, str]] = {("tags", str(tag)[:200]) for tag in contact.get("tags") or []}
    multi |= {("interests", str(interest)[:200]) for interest in marketing.get("interests") or []}
    for group in ("demographics", "preferences"):
        for key, value in (marketing.get(group) or {}).items():
            if value is not None and len(key) <= 100:
                multi.add((f"{group}.{key}", _fact_text(value)))
    return ContactFacts(
        contact_id=contact["id"],
        first_name=contact.get("first_name"),
        last_name=contact.get("last_name"),
        email=primary_email(contact.get("emails") or []),
        lifecycle_stage=contact.get("lifecycle_stage"),
        owner=contact.get("owner"),
        multi_valued=frozenset(multi),
    )


def _fact_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:200]


def primary_email(emails: Iterable[Mapping[str, Any]]) -> str | None:
    listed = list(emails)
    chosen = next((e for e in listed if e.get("primary")), listed[0] if listed else None)
    return None if chosen is None else str(chosen["address"])


def email_consent(state: Iterable[Mapping[str, Any]]) -> bool:
    """Allowed only when the newest state for email marketing on email (or ``any`` channel) is a grant.

    The same rule as the contacts service's ledger: a withdrawal for ``any`` overrides earlier grants.
    """
    relevant = [s for s in state if s["purpose"] == EMAIL_PURPOSE and s["channel"] in (EMAIL_CHANNEL, "any")]
    if not relevant:
        return False
    newest = max(relevant, key=lambda s: (_as_time(s["since"]), not s["granted"]))  # a tie: withdrawn
    return bool(newest["granted"])


def _as_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
