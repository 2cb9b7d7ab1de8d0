"""Requests per API key: a token bucket per key, refilled at a steady rate up to a burst."""

from __future__ import annotations


class RateLimits:
    def __init__(self, per_second: float, burst: float) -> None:
        self.per_second = per_second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def wait_before(self, key: str, now: float) -> float:
        """0 and one token taken if the request may go now; else the seconds until it may."""
        tokens, counted_at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - counted_at) * self.per_second)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.per_second
