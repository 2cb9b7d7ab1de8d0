"""Normal forms of names, emails, phones and tags, so equal things compare equal."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from crm_shared.errors import Invalid

_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = _SPACES.sub(" ", value).strip()
    return cleaned or None


def search_key(value: str | None) -> str | None:
    """Lower-cased, accent-preserving form used for case-insensitive prefix search."""
    cleaned = clean_text(value)
    return cleaned.casefold() if cleaned else None


def normalise_email(address: str) -> str:
    return address.strip().lower()


def normalise_phone(number: str, default_region: str) -> str:
    """E.164, or ``Invalid`` naming the phone field."""
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise ValueError("Not a valid phone number.")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def phone_search_key(query: str) -> str | None:
    """A query that looks like a phone number, as the E.164 prefix it would be stored under."""
    digits = re.sub(r"[^\d+]", "", query)
    if len(re.sub(r"\D", "", digits)) < 3:
        return None
    return digits if digits.startswith("+") else None


def with_one_primary(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Drop repeats of the same value; the first flagged (or first of all) is the primary."""
    unique: dict[str, dict[str, Any]] = {}
    for item in items:
        unique.setdefault(item[key], dict(item))
    result = list(unique.values())
    primary_index = next((i for i, item in enumerate(result) if item.get("primary")), 0)
    for i, item in enumerate(result):
        item["primary"] = i == primary_index
    return result


def normalise_emails(emails: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = [{**e, "address": normalise_email(e["address"])} for e in emails]
    return with_one_primary(cleaned, "address")


def normalise_phones(phones: list[dict[str, Any]], default_region: str) -> list[dict[str, Any]]:
    errors: dict[int, dict[str, list[str]]] = {}
    cleaned = []
    for index, phone in enumerate(phones):
        try:
            cleaned.append({**phone, "number": normalise_phone(phone["number"], default_region)})
        except ValueError as error:
            errors[index] = {"number": [str(error)]}
    if errors:
        raise Invalid("Input is not valid.", fields={"phones": errors})
    return with_one_primary(cleaned, "number")


def normalise_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = search_key(tag)
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)
