"""State the gateway keeps per process, shared by all its workers (nameko makes a worker per request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider


class PerProcess(DependencyProvider):  # type: ignore[misc]
    """One object per service container, built from its config when the container starts."""

    def __init__(self, build: Callable[[dict[str, Any]], Any]) -> None:
        self.build = build

    def setup(self) -> None:
        self.instance = self.build(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.instance
