"""A circuit breaker per service: after a failed call, skip that service for a while instead of waiting on it."""

from __future__ import annotations


class Breaker:
    """Open for ``open_seconds`` after a failure; the next call after that tries again."""

    def __init__(self, open_seconds: float) -> None:
        self.open_seconds = open_seconds
        self._open_until: dict[str, float] = {}

    def allows(self, service: str, now: float) -> bool:
        return now >= self._open_until.get(service, 0.0)

    def failed(self, service: str, now: float) -> None:
        self._open_until[service] = now + self.open_seconds

    def succeeded(self, service: str) -> None:
        self._open_until.pop(service, None)
