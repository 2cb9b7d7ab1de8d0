"""The ledger subscriber of ``ledger_service``, its queue declared as a quorum queue.

nameko declares every event queue as a classic queue and a queue's type cannot be
changed afterwards (a policy cannot do it, and a redeclaration with another type is
refused), so a queue that must survive the loss of a broker node has to be declared
quorum from the start, by the handler itself. ``x-delivery-limit`` bounds redeliveries
(RabbitMQ 3.10 sets none); a message over the limit goes to the dead-letter queue,
never away.
"""

from __future__ import annotations

from typing import Any

from kombu import Queue
from nameko.dependency_providers import Config

import crm_shared.runtime  # noqa: F401
from crm_shared.runtime.database import Database
from crm_shared.runtime.events import ReliableEventHandler, dead_letter_queue
from crm_shared.unit_of_work import SqlUnitOfWork
from tests.support.ledger_service import apply_once, plumbing

SERVICE_NAME = "ledger"


def quorum_arguments(service_name: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": 20,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead_letter_queue(service_name),
    }


class QuorumEventHandler(ReliableEventHandler):
    def setup(self) -> None:
        super().setup()
        queue = self.queue
        self.queue = Queue(
            queue.name,
            exchange=queue.exchange,
            routing_key=queue.routing_key,
            durable=True,
            queue_arguments=quorum_arguments(self.container.service_name),
        )


quorum_event_handler = QuorumEventHandler.decorator


class QuorumLedgerService:
    name = SERVICE_NAME
    config = Config()
    db = Database(plumbing, SqlUnitOfWork)

    @quorum_event_handler("contacts", "contact.created")
    def on_contact_created(self, envelope: Any, data: dict[str, Any]) -> None:
        with self.db() as uow:
            apply_once(uow, envelope, str(data["id"]))
