"""Domain objects as their published, JSON-ready representation (the contract schemas)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from crm_contacts.domain.activities import Interaction, Task
from crm_contacts.domain.consent import ConsentEntry, ConsentState
from crm_contacts.domain.model import Contact
from crm_shared.contracts import contacts as c

_CONTACT = c.ContactSchema()
_ACCOUNT = c.AccountSchema()
_INTERACTION = c.InteractionSchema()
_TASK = c.TaskSchema()
_ENTRY = c.ConsentEntrySchema()
_STATE = c.ConsentStateSchema()


def contact(value: Contact) -> dict[str, Any]:
    return dict(_CONTACT.dump(value))


def account(value: dict[str, Any]) -> dict[str, Any]:
    return dict(_ACCOUNT.dump(value))


def interaction(value: Interaction) -> dict[str, Any]:
    return dict(_INTERACTION.dump(value))


def task(value: Task) -> dict[str, Any]:
    return dict(_TASK.dump(value))


def consent_entry(value: ConsentEntry) -> dict[str, Any]:
    return dict(_ENTRY.dump(asdict(value)))


def consent_state(states: list[ConsentState]) -> list[dict[str, Any]]:
    return [dict(_STATE.dump(asdict(s))) for s in states]


def page(items: list[Any], next_cursor: str | None, each: Any) -> dict[str, Any]:
    return {"items": [each(item) for item in items], "next_cursor": next_cursor}
