"""A campaign's life: draft -> scheduled -> running -> completed, or cancelled before it completes."""

from __future__ import annotations

from datetime import datetime

from crm_shared.errors import Conflict, Invalid

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("scheduled", "running", "cancelled"),
    "scheduled": ("running", "cancelled", "draft"),
    "running": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}
EDITABLE = ("draft", "scheduled")


def check_transition(current: str, wanted: str) -> None:
    if wanted not in TRANSITIONS[current]:
        raise Conflict(f"A {current} campaign cannot become {wanted}.", field="status", status=current)


def check_send_time(send_at: datetime, now: datetime) -> None:
    if send_at <= now:
        raise Invalid("The send time is in the past.", fields={"send_at": ["Must be in the future."]})


def check_editable(status: str, changes: set[str]) -> None:
    """Content and audience are fixed once sending starts; the cost may be entered at any time."""
    if status not in EDITABLE and changes - {"cost"}:
        raise Conflict(f"A {status} campaign's content and audience cannot change.", field="status", status=status)
