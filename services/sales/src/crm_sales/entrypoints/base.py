"""What every group of the sales service's entrypoints relies on: its dependencies and how it writes."""

from __future__ import annotations

from typing import Any

from nameko.dependency_providers import Config

import crm_shared.runtime  # noqa: F401 - registers typed errors for RPC
from crm_sales.adapters.tables import plumbing
from crm_sales.adapters.unit_of_work import SalesUnitOfWork
from crm_sales.entrypoints.dependencies import Settings
from crm_sales.plugin import SERVICE
from crm_shared.commands import run_command
from crm_shared.runtime.database import Database
from crm_shared.runtime.dead_letters import DeadLetters
from crm_shared.runtime.operations import Operations
from crm_shared.runtime.rpc import RpcProxy


class SalesBase:
    name = "sales"
    config = Config()
    db = Database(plumbing, SalesUnitOfWork)
    dead_letters = DeadLetters()
    operations = Operations(migrations=SERVICE.migrations)
    settings = Settings()
    contacts = RpcProxy("contacts")

    def _write(self, operation: str, work: Any, idempotency_key: str | None) -> Any:
        return run_command(self.db, work, operation=operation, idempotency_key=idempotency_key)
