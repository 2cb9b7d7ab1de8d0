"""The ledger subscriber of ``ledger_service``, its queue declared as a quorum queue.

A queue's type cannot be changed once declared (a policy cannot do it, and a
redeclaration with another type is refused), so a queue that must survive the loss of a
broker node is declared quorum from the start: the test runs this service with
``EVENT_QUEUE_TYPE=quorum``, as a cluster deployment does.
"""

from __future__ import annotations

from typing import Any

from nameko.dependency_providers import Config

import crm_shared.runtime  # noqa: F401
from crm_shared.runtime.database import Database
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.unit_of_work import SqlUnitOfWork
from tests.support.ledger_service import apply_once, plumbing

SERVICE_NAME = "ledger"


class QuorumLedgerService:
    name = SERVICE_NAME
    config = Config()
    db = Database(plumbing, SqlUnitOfWork)

    @reliable_event_handler("contacts", "contact.created")
    def on_contact_created(self, envelope: Any, data: dict[str, Any]) -> None:
        with self.db() as uow:
            apply_once(uow, envelope, str(data["id"]))
