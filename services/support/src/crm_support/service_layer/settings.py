"""The service's tunables, read from its config at start-up and handed to handlers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Settings:
    warning_fraction: float = 0.8
    reopen_window: timedelta = timedelta(days=7)
    scan_batch: int = 200


def settings_from(config: Mapping[str, Any]) -> Settings:
    """Validated values; a wrong setting stops the service at start rather than misbehaving later."""
    fraction = float(config.get("SLA_WARNING_FRACTION") or 0.8)
    if not 0 < fraction < 1:
        raise ValueError("SLA_WARNING_FRACTION must be between 0 and 1")
    days = float(config.get("REOPEN_WINDOW_DAYS") or 7)
    batch = int(config.get("SLA_SCAN_BATCH") or 200)
    if days < 0 or batch < 1:
        raise ValueError("REOPEN_WINDOW_DAYS must be >= 0 and SLA_SCAN_BATCH >= 1")
    return Settings(warning_fraction=fraction, reopen_window=timedelta(days=days), scan_batch=batch)
