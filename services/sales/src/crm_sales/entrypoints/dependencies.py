"""nameko dependencies of the sales service beyond the shared ones."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from crm_sales.settings import SalesSettings, settings_from


class Settings(DependencyProvider):  # type: ignore[misc]
    """The validated settings; a bad configuration stops the service at start, naming the key."""

    def setup(self) -> None:
        self.settings = settings_from(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> SalesSettings:
        return self.settings
