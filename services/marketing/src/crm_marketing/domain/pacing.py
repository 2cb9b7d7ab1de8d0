"""Sending at no more than a given rate: the next message waits for its slot."""

from __future__ import annotations

from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_second: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self.next_slot = clock()

    def wait(self) -> None:
        # The slot is taken before sleeping, so concurrent senders (green threads) never share one.
        # A pause (no messages) earns no burst: a slot is never earlier than now.
        now = self.clock()
        slot = max(self.next_slot, now)
        self.next_slot = slot + self.interval
        if slot > now:
            self.sleep(slot - now)
