"""Support contracts: which service level an account's ticket is entitled to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

DEFAULT_LEVEL = "default"


@dataclass(frozen=True)
class SupportContract:
    id: uuid.UUID
    account_id: uuid.UUID
    level: str
    valid_from: date
    valid_until: date | None
    channels: tuple[str, ...]

    def covers(self, channel: str, on: date) -> bool:
        """Valid on the day and including the channel (no channels listed: every channel)."""
        in_time = self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)
        return in_time and (not self.channels or channel in self.channels)


def entitled_level(contracts: list[SupportContract], channel: str, on: date) -> str:
    """The level of the covering contract that started last; the default without one."""
    covering = [c for c in contracts if c.covers(channel, on)]
    if not covering:
        return DEFAULT_LEVEL
    return max(covering, key=lambda c: (c.valid_from, str(c.id))).level
