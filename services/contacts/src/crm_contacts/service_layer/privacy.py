"""Data protection: export everything about a person, erase it, and count where it is."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork as Uow
from crm_contacts.service_layer import present
from crm_contacts.service_layer.activities import consents_of
from crm_contacts.service_layer.contacts import live_contact
from crm_shared.errors import NotFound

EXPORT_PAGE = 10_000


def export_contact(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    """Everything held about the contact, as one JSON document."""
    contact = live_contact(uow, contact_id)
    interactions, _ = uow.interactions.timeline(contact_id, None, EXPORT_PAGE)
    tasks, _ = uow.tasks.search({"contact_id": contact_id}, EXPORT_PAGE)
    return {
        "contact": present.contact(contact),
        "account": present.account(a) if contact.account_id and (a := uow.accounts.get(contact.account_id)) else None,
        "consents": consents_of(uow, contact_id),
        "interactions": [present.interaction(i) for i in interactions],
        "tasks": [present.task(t) for t in tasks],
    }


def erase_contact(uow: Uow, contact_id: uuid.UUID, now: datetime) -> tuple[Any, Any]:
    """Leave a tombstone and publish ``contact.erased``; erasing twice changes nothing."""
    contact = uow.contacts.get(contact_id)
    if contact is None:
        raise NotFound("No such contact.", contact_id=str(contact_id))
    if contact.erased_at is not None:
        return {"contact_id": str(contact_id), "erased_at": contact.erased_at.isoformat()}, None
    uow.privacy.erase(contact_id, now)
    body = {"contact_id": str(contact_id), "erased_at": now.isoformat()}
    uow.publish("contact.erased", body, contact_id)
    return body, None


def pii_inventory(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    return {"service": "contacts", "contact_id": str(contact_id), "places": uow.privacy.inventory(contact_id)}
