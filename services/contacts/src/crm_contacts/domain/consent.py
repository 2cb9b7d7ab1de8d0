"""The consent ledger: append-only grants and withdrawals; the current state is derived."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ConsentEntry:
    id: uuid.UUID
    contact_id: uuid.UUID
    purpose: str
    channel: str
    action: str
    source: str
    evidence: str | None
    occurred_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    channel: str
    granted: bool
    since: datetime


def current_state(entries: list[ConsentEntry]) -> list[ConsentState]:
    """The latest entry per purpose and channel wins; ties go to the later recording."""
    latest: dict[tuple[str, str], ConsentEntry] = {}
    for entry in sorted(entries, key=lambda e: (e.occurred_at, e.recorded_at)):
        latest[(entry.purpose, entry.channel)] = entry
    return [
        ConsentState(purpose, channel, entry.action == "grant", entry.occurred_at)
        for (purpose, channel), entry in sorted(latest.items())
    ]


def consent_allows(entries: list[ConsentEntry], purpose: str, channel: str) -> bool:
    """Allowed only by a grant for this channel (or ``any``) not withdrawn since.

    A withdrawal for ``any`` channel overrides grants made before it.
    """
    relevant = [e for e in entries if e.purpose == purpose and e.channel in (channel, "any")]
    if not relevant:
        return False
    newest = max(relevant, key=lambda e: (e.occurred_at, e.recorded_at))
    return newest.action == "grant"
