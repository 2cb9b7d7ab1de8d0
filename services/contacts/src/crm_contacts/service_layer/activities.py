"""Handlers for consent, interactions and tasks of a contact."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork as Uow
from crm_contacts.domain.activities import Interaction, Task, change_task
from crm_contacts.domain.consent import ConsentEntry, current_state
from crm_contacts.service_layer import present
from crm_contacts.service_layer.contacts import live_contact
from crm_shared.errors import Invalid, NotFound, StaleVersion


def consents_of(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    entries = uow.consents.entries(contact_id)
    return {
        "contact_id": str(contact_id),
        "state": present.consent_state(current_state(entries)),
        "history": [present.consent_entry(e) for e in entries],
    }


def get_consents(uow: Uow, contact_id: uuid.UUID) -> dict[str, Any]:
    live_contact(uow, contact_id)
    return consents_of(uow, contact_id)


def change_consent(uow: Uow, contact_id: uuid.UUID, change: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """Append a grant or withdrawal to the ledger; the new state goes out with the event."""
    live_contact(uow, contact_id)
    occurred_at = change.get("occurred_at") or now
    if occurred_at > now:
        raise Invalid("Input is not valid.", fields={"occurred_at": ["Must not be in the future."]})
    entry = ConsentEntry(
        id=uuid.uuid4(),
        contact_id=contact_id,
        purpose=change["purpose"],
        channel=change["channel"],
        action=change["action"],
        source=change["source"],
        evidence=change.get("evidence"),
        occurred_at=occurred_at,
        recorded_at=now,
    )
    uow.consents.append(entry)
    body = consents_of(uow, contact_id)
    uow.publish(
        "consent.changed",
        {"contact_id": str(contact_id), "change": present.consent_entry(entry), "state": body["state"]},
        contact_id,
    )
    return body, contact_id


def log_interaction(uow: Uow, contact_id: uuid.UUID, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    live_contact(uow, contact_id)
    interaction = Interaction(
        id=uuid.uuid4(),
        contact_id=contact_id,
        kind=fields["kind"],
        direction=fields.get("direction"),
        channel=fields.get("channel"),
        occurred_at=fields.get("occurred_at") or now,
        summary=fields["summary"],
        actor=fields.get("actor"),
    )
    uow.interactions.add(interaction)
    body = present.interaction(interaction)
    uow.publish("interaction.logged", body, contact_id)
    return body, contact_id


def timeline(uow: Uow, contact_id: uuid.UUID, page: dict[str, Any]) -> dict[str, Any]:
    live_contact(uow, contact_id)
    found, next_cursor = uow.interactions.timeline(contact_id, page.get("cursor"), page["limit"])
    return present.page(found, next_cursor, present.interaction)


def create_task(uow: Uow, contact_id: uuid.UUID, fields: dict[str, Any]) -> tuple[Any, Any]:
    live_contact(uow, contact_id)
    task = Task(
        id=uuid.uuid4(),
        contact_id=contact_id,
        title=fields["title"],
        due_at=fields["due_at"],
        owner=fields.get("owner"),
        notes=fields.get("notes"),
    )
    uow.tasks.add(task)
    return present.task(task), contact_id


def update_task(
    uow: Uow, task_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None, now: datetime
) -> tuple[Any, Any]:
    task = uow.tasks.get(task_id)
    if task is None:
        raise NotFound("No such task.", task_id=str(task_id))
    if expected_version is not None and expected_version != task.version:
        raise StaleVersion("The task has changed since you read it.", version=task.version)
    updated = change_task(task, changes, now)
    uow.tasks.save(updated, task.version)
    return present.task(updated), task.contact_id


def get_task(uow: Uow, task_id: uuid.UUID) -> dict[str, Any]:
    task = uow.tasks.get(task_id)
    if task is None:
        raise NotFound("No such task.", task_id=str(task_id))
    return present.task(task)


def search_tasks(uow: Uow, filters: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.tasks.search(filters, filters["limit"])
    return present.page(found, next_cursor, present.task)


def remind_due_tasks(uow: Uow, now: datetime) -> tuple[Any, Any]:
    """Publish ``task.due`` once for each task whose time has come."""
    due = uow.tasks.claim_due(now)
    for task in due:
        uow.publish("task.due", present.task(task), task.contact_id)
    return len(due), None
