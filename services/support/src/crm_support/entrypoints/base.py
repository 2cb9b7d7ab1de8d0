"""What every group of the support service's entrypoints shares: dependencies and helpers."""

from __future__ import annotations

from typing import Any

from nameko.dependency_providers import Config

import crm_shared.runtime  # noqa: F401 - registers typed errors for RPC
from crm_shared.commands import run_command
from crm_shared.contracts.loading import parse_id
from crm_shared.runtime.database import Database
from crm_shared.runtime.dead_letters import DeadLetters
from crm_shared.runtime.operations import Operations
from crm_support.adapters.tables import plumbing
from crm_support.adapters.unit_of_work import SupportUnitOfWork
from crm_support.plugin import SERVICE
from crm_support.service_layer.settings import Settings, settings_from


class SupportBase:
    """Dependencies are declared once here; nameko finds them on every subclass."""

    name = "support"
    config = Config()
    db = Database(plumbing, SupportUnitOfWork)
    dead_letters = DeadLetters()
    operations = Operations(migrations=SERVICE.migrations)

    @property
    def settings(self) -> Settings:
        return settings_from(self.config)

    def _write(self, operation: str, work: Any, idempotency_key: str | None) -> Any:
        return run_command(self.db, work, operation=operation, idempotency_key=idempotency_key)

    def _ticket_id(self, ticket_id: Any) -> Any:
        return parse_id(ticket_id, "ticket_id")
