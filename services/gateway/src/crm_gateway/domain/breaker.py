"""A circuit breaker per service: after a failed call, skip that service for a while instead of waiting on it."""

from __future__ import annotations


class Breaker:
    """Open for ``open_seconds`` after a failure; then one call tries (half-open) while the others still skip.

    Without the single trial, every request in flight when the period ends would wait on a
    service that may still be down.
    """

    def __init__(self, open_seconds: float) -> None:
        self.open_seconds = open_seconds
        self._open_until: dict[str, float] = {}

    def allows(self, service: str, now: float) -> bool:
        open_until = self._open_until.get(service)
        if open_until is None:
            return True
        if now < open_until:
            return False
        self._open_until[service] = now + self.open_seconds  # this caller is the trial
        return True

    def failed(self, service: str, now: float) -> None:
        self._open_until[service] = now + self.open_seconds

    def succeeded(self, service: str) -> None:
        self._open_until.pop(service, None)
