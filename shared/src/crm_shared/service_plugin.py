"""What a service tells the ``crm`` tool about itself (entry point group ``crm.services``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from crm_shared import config
from crm_shared.migrations import upgrade


@dataclass(frozen=True)
class ServicePlugin:
    name: str
    module: str
    config: Path
    migrations: Path | None = None
    order: int = 10

    def migrate(self) -> None:
        if self.migrations is not None:
            upgrade(self.migrations, config.database_url(self.name))


def installed_services() -> list[ServicePlugin]:
    """Every installed service, the gateway last."""
    plugins = [ep.load() for ep in entry_points(group="crm.services")]
    return sorted(plugins, key=lambda p: (p.order, p.name))
