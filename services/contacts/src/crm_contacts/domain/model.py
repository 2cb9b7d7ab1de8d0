"""A contact as the business sees it: its fields, normal forms and how it changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from crm_contacts.domain import normalise as norm
from crm_shared.errors import Gone, Moved

LIST_FIELDS = ("emails", "phones", "addresses", "tags")
DOCUMENT_FIELDS = ("emails", "phones", "addresses", "tags", "marketing", "custom_fields")
EMPTY_MARKETING: dict[str, Any] = {"demographics": {}, "interests": [], "preferences": {}}


@dataclass(frozen=True)
class Contact:
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1
    first_name: str | None = None
    last_name: str | None = None
    emails: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    job_title: str | None = None
    account_id: uuid.UUID | None = None
    owner: str | None = None
    lifecycle_stage: str = "lead"
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    provenance: str = "manual"
    marketing: dict[str, Any] = field(default_factory=lambda: dict(EMPTY_MARKETING))
    custom_fields: dict[str, Any] = field(default_factory=dict)
    merged_into: uuid.UUID | None = None
    erased_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def primary(self, kind: str) -> str | None:
        items = self.emails if kind == "email" else self.phones
        key = "address" if kind == "email" else "number"
        return next((item[key] for item in items if item.get("primary")), None)

    def ensure_live(self) -> None:
        """A merged contact answers with its survivor; an erased one is gone."""
        if self.erased_at is not None:
            raise Gone("This contact was erased.")
        if self.merged_into is not None:
            raise Moved("This contact was merged.", location_id=str(self.merged_into))


def normalised_fields(fields: dict[str, Any], default_region: str) -> dict[str, Any]:
    """Bring client-given fields into their normal form; untouched fields stay absent."""
    result = dict(fields)
    for name in ("first_name", "last_name", "job_title", "owner", "source"):
        if name in result:
            result[name] = norm.clean_text(result[name])
    if "emails" in result:
        result["emails"] = norm.normalise_emails(result["emails"])
    if "phones" in result:
        result["phones"] = norm.normalise_phones(result["phones"], default_region)
    if "tags" in result:
        result["tags"] = norm.normalise_tags(result["tags"])
    if "marketing" in result:
        result["marketing"] = {**EMPTY_MARKETING, **result["marketing"]}
    return result


def new_contact(fields: dict[str, Any], now: datetime, default_region: str) -> Contact:
    return Contact(
        id=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        **normalised_fields(fields, default_region),
    )


def change_contact(contact: Contact, changes: dict[str, Any], now: datetime, default_region: str) -> Contact:
    """Apply a partial update; the version moves on only when something really changed."""
    contact.ensure_live()
    updated = replace(contact, **normalised_fields(changes, default_region))
    if updated == contact:
        return contact
    return replace(updated, updated_at=now, version=contact.version + 1)
