"""nameko dependencies of the marketing service beyond the shared ones."""

from __future__ import annotations

import time
from typing import Any

from nameko.extensions import DependencyProvider

from crm_marketing.domain.pacing import RateLimiter
from crm_marketing.settings import MarketingSettings, settings_from


class Settings(DependencyProvider):  # type: ignore[misc]
    """The validated settings; a bad configuration stops the service at start, naming the key."""

    def setup(self) -> None:
        self.settings = settings_from(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> MarketingSettings:
        return self.settings


class Pacing(DependencyProvider):  # type: ignore[misc]
    """One rate limiter per service process, shared by its workers, so the configured rate holds."""

    def setup(self) -> None:
        self.limiter = RateLimiter(settings_from(self.container.config).sends_per_second, time.monotonic, time.sleep)

    def get_dependency(self, worker_ctx: Any) -> RateLimiter:
        return self.limiter
