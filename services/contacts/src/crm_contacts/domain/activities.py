"""Interactions on a contact's timeline, and tasks that remind someone when they fall due."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crm_shared.errors import Invalid


@dataclass(frozen=True)
class Interaction:
    id: uuid.UUID
    contact_id: uuid.UUID
    kind: str
    direction: str | None
    channel: str | None
    occurred_at: datetime
    summary: str
    actor: str | None


@dataclass(frozen=True)
class Task:
    id: uuid.UUID
    contact_id: uuid.UUID
    title: str
    due_at: datetime
    owner: str | None
    notes: str | None
    done: bool = False
    done_at: datetime | None = None
    reminded_at: datetime | None = None
    version: int = 1


def change_task(task: Task, changes: dict[str, Any], now: datetime) -> Task:
    """Completing sets ``done_at``; moving the due time re-arms the reminder."""
    if not changes:
        raise Invalid("Nothing to change.", fields={"_schema": ["no fields given"]})
    updated = replace(task, **changes)
    if changes.get("done") and not task.done:
        updated = replace(updated, done_at=now)
    if changes.get("done") is False:
        updated = replace(updated, done_at=None)
    if "due_at" in changes and changes["due_at"] != task.due_at:
        updated = replace(updated, reminded_at=None)
    return replace(updated, version=task.version + 1)
