"""Handlers of contact commands and queries; each runs inside one unit of work."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork as Uow
from crm_contacts.domain.duplicates import duplicate_reasons, merge_into
from crm_contacts.domain.model import Contact, change_contact, new_contact
from crm_contacts.service_layer import present
from crm_shared.errors import Invalid, NotFound, StaleVersion


def live_contact(uow: Uow, contact_id: uuid.UUID) -> Contact:
    contact = uow.contacts.get(contact_id)
    if contact is None:
        raise NotFound("No such contact.", contact_id=str(contact_id))
    contact.ensure_live()
    return contact


def check_account_exists(uow: Uow, account_id: uuid.UUID | None) -> None:
    if account_id is not None and uow.accounts.get(account_id) is None:
        raise Invalid("Input is not valid.", fields={"account_id": ["No such account."]})


def create_contact(uow: Uow, fields: dict[str, Any], now: datetime, region: str) -> tuple[Any, Any]:
    check_account_exists(uow, fields.get("account_id"))
    contact = new_contact(fields, now, region)
    uow.contacts.add(contact)
    body = present.contact(contact)
    uow.publish("contact.created", body, contact.id)
    return body, contact.id


def update_contact(
    uow: Uow,
    contact_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
    now: datetime,
    region: str,
) -> tuple[Any, Any]:
    contact = live_contact(uow, contact_id)
    if expected_version is not None and expected_version != contact.version:
        raise StaleVersion("The contact has changed since you read it.", version=contact.version)
    if "account_id" in changes:
        check_account_exists(uow, changes["account_id"])
    updated = change_contact(contact, changes, now, region)
    body = present.contact(updated)
    if updated is not contact:
        uow.contacts.save(updated, contact.version)
        uow.publish("contact.updated", body, contact.id)
    return body, contact.id


def get_contact(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    return present.contact(live_contact(uow, contact_id))


def search_contacts(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.contacts.search(filters, filters["limit"])
    return present.page(found, next_cursor, present.contact)


def find_duplicates(uow: Uow, contact_id: uuid.UUID) -> list[dict[str, Any]]:
    contact = live_contact(uow, contact_id)
    found = []
    for candidate in uow.contacts.sharing_identity_or_account(contact):
        if reasons := duplicate_reasons(contact, candidate):
            found.append({"contact_id": str(candidate.id), "reasons": reasons})
    return found


def merge_contacts(uow: Uow, survivor_id: uuid.UUID, merged_id: uuid.UUID, now: datetime) -> tuple[Any, Any]:
    """The survivor gains the merged contact's data and history; the merged id redirects."""
    survivor = live_contact(uow, survivor_id)
    merged = uow.contacts.get(merged_id)
    if merged is None:
        raise Invalid("Input is not valid.", fields={"merged_id": ["No such contact."]})
    if merged.merged_into == survivor.id:
        return present.contact(survivor), survivor.id  # merged before: nothing more to do
    if merged.merged_into is not None or merged.erased_at is not None:
        raise Invalid("Input is not valid.", fields={"merged_id": ["Already merged or erased."]})
    combined = merge_into(survivor, merged, now)
    uow.privacy.move_history(merged.id, survivor.id)
    retired = replace(
        Contact(id=merged.id, created_at=merged.created_at, updated_at=now),
        version=merged.version + 1,
        merged_into=survivor.id,
    )
    uow.contacts.save(retired, merged.version)
    uow.contacts.save(combined, survivor.version)
    body = present.contact(combined)
    uow.publish(
        "contact.merged",
        {"survivor_id": str(survivor.id), "merged_id": str(merged.id), "contact": body},
        survivor.id,
    )
    return body, survivor.id
