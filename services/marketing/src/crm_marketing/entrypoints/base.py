"""What every group of the marketing service's entrypoints relies on: its dependencies and how it writes."""

from __future__ import annotations

from typing import Any

from nameko.dependency_providers import Config

import crm_shared.runtime  # noqa: F401 - registers typed errors for RPC
from crm_marketing.adapters.tables import plumbing
from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.entrypoints.dependencies import Pacing, Settings
from crm_marketing.plugin import SERVICE
from crm_shared.commands import run_command
from crm_shared.runtime.database import Database
from crm_shared.runtime.dead_letters import DeadLetters
from crm_shared.runtime.operations import Operations
from crm_shared.runtime.rpc import RpcProxy


class MarketingBase:
    name = "marketing"
    config = Config()
    db = Database(plumbing, MarketingUnitOfWork)
    dead_letters = DeadLetters()
    operations = Operations(migrations=SERVICE.migrations)
    settings = Settings()
    pacing = Pacing()
    contacts = RpcProxy("contacts")

    def _write(self, operation: str, work: Any, idempotency_key: str | None) -> Any:
        return run_command(self.db, work, operation=operation, idempotency_key=idempotency_key)
