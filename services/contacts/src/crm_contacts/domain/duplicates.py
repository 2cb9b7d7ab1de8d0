"""When two contacts are probably the same person, and how a merge combines them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from crm_contacts.domain.model import Contact
from crm_contacts.domain.normalise import search_key, with_one_primary
from crm_shared.errors import Invalid

NAME_SIMILARITY = 0.85


def names_are_close(a: Contact, b: Contact) -> bool:
    left, right = search_key(a.full_name), search_key(b.full_name)
    if not left or not right:
        return False
    return SequenceMatcher(None, left, right).ratio() >= NAME_SIMILARITY


def duplicate_reasons(contact: Contact, candidate: Contact) -> list[str]:
    reasons = []
    if {e["address"] for e in contact.emails} & {e["address"] for e in candidate.emails}:
        reasons.append("same_email")
    if {p["number"] for p in contact.phones} & {p["number"] for p in candidate.phones}:
        reasons.append("same_phone")
    if contact.account_id and contact.account_id == candidate.account_id:
        if names_are_close(contact, candidate):
            reasons.append("close_name_same_account")
    return reasons


def _union(first: list[Any], second: list[Any], key: str | None) -> list[Any]:
    seen = {(item[key] if key else repr(item)) for item in first}
    extra = [item for item in second if (item[key] if key else repr(item)) not in seen]
    return [*first, *[{**item, "primary": False} if key else item for item in extra]]


def merge_into(survivor: Contact, merged: Contact, now: datetime) -> Contact:
    """The survivor keeps its values and gains what only the merged contact had."""
    survivor.ensure_live()
    merged.ensure_live()
    if survivor.id == merged.id:
        raise Invalid("A contact cannot be merged into itself.", fields={"merged_id": ["same as survivor"]})
    filled = {
        name: getattr(merged, name)
        for name in ("first_name", "last_name", "job_title", "account_id", "owner", "source")
        if getattr(survivor, name) is None and getattr(merged, name) is not None
    }
    return replace(
        survivor,
        **filled,
        emails=with_one_primary(_union(survivor.emails, merged.emails, "address"), "address"),
        phones=with_one_primary(_union(survivor.phones, merged.phones, "number"), "number"),
        addresses=_union(survivor.addresses, merged.addresses, None),
        tags=list(dict.fromkeys([*survivor.tags, *merged.tags])),
        custom_fields={**merged.custom_fields, **survivor.custom_fields},
        updated_at=now,
        version=survivor.version + 1,
    )
