"""Event handling that never loses or loops on a message.

nameko's own handler acks a message whose handler raised (the event is lost)
or, with ``requeue_on_error``, redelivers it at once forever. Ours retries a
bounded number of times with a growing pause, then moves the message to the
service's dead-letter queue with its error; a message that fails validation
goes there at once.

A failure because the database is unreachable is no fault of the message: it is
retried on a budget of its own (``EVENT_MAX_OUTAGE_ATTEMPTS``, by default about an
hour of pauses of up to 5 s), so an outage or a network fault does not fill the
dead-letter queue with good events.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import eventlet
from kombu import Queue
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled

from crm_shared import config
from crm_shared.db import is_unavailable
from crm_shared.errors import CrmError, Invalid
from crm_shared.events import parse_event
from crm_shared.publisher import ConfirmedPublisher, OutgoingMessage, PublishFailed
from crm_shared.runtime.consumer import SteadfastQueueConsumer

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-crm-attempts"
OUTAGE_ATTEMPTS_HEADER = "x-crm-outage-attempts"
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_OUTAGE_ATTEMPTS = 720
MAX_RETRY_PAUSE = 5.0


QUORUM_DELIVERY_LIMIT = 20


def dead_letter_queue(service_name: str) -> str:
    return f"{service_name}.dead-letters"


def quorum_arguments(service_name: str) -> dict[str, Any]:
    """A quorum event queue: replicated across broker nodes, its redeliveries bounded.

    RabbitMQ 3.10 sets no delivery limit; a message over ours goes to the service's
    dead-letter queue, never away.
    """
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": QUORUM_DELIVERY_LIMIT,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead_letter_queue(service_name),
    }


def quorum_wanted(cfg: Any) -> bool:
    """Whether this container declares its queues as quorum queues (``EVENT_QUEUE_TYPE``)."""
    return config.event_queue_type(cfg.get("EVENT_QUEUE_TYPE")) == "quorum"


def with_arguments(queue: Queue, arguments: dict[str, Any]) -> Queue:
    """``queue`` as nameko built it, declared with ``arguments``: nameko passes none."""
    return Queue(
        queue.name, exchange=queue.exchange, routing_key=queue.routing_key, durable=True, queue_arguments=arguments
    )


class ReliableEventHandler(EventHandler):  # type: ignore[misc]
    """Calls the entrypoint with ``(envelope, data)`` already validated against the catalogue."""

    queue: Queue  # set by nameko's setup
    queue_consumer = SteadfastQueueConsumer()

    def setup(self) -> None:
        super().setup()
        cfg = self.container.config
        self.max_attempts = int(cfg.get("EVENT_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        self.max_outage_attempts = int(cfg.get("EVENT_MAX_OUTAGE_ATTEMPTS") or DEFAULT_MAX_OUTAGE_ATTEMPTS)
        self.retry_pause = float(cfg.get("EVENT_RETRY_PAUSE") or 0.2)
        self.publisher = ConfirmedPublisher(cfg.get("AMQP_URI") or config.amqp_uri())
        # A queue's type is fixed when it is first declared; nameko declares classic ones.
        self.quorum = quorum_wanted(cfg)
        if self.quorum:
            self.queue = with_arguments(self.queue, quorum_arguments(self.container.service_name))

    def start(self) -> None:
        arguments = {"x-queue-type": "quorum"} if self.quorum else None
        self.publisher.declare_queue(dead_letter_queue(self.container.service_name), arguments)
        super().start()

    def stop(self) -> None:
        super().stop()
        self.publisher.close()

    def handle_message(self, body: Any, message: Any) -> None:
        try:
            parsed = parse_event(body)
        except Invalid as error:
            self._settle(message, body, error, force_dead_letter=True)
            return
        context_data = self.unpack_message_headers(message)
        handle_result = lambda worker_ctx, result=None, exc_info=None: self.handle_result(  # noqa: E731
            message, worker_ctx, result, exc_info
        )
        try:
            self.container.spawn_worker(self, parsed, {}, context_data=context_data, handle_result=handle_result)
        except ContainerBeingKilled:
            self._requeue(message)

    def handle_result(self, message: Any, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> tuple[Any, Any]:
        if exc_info is None:
            self._ack(message)
        else:
            self._settle(message, message.payload, exc_info[1])
        return result, exc_info

    def _ack(self, message: Any) -> None:
        """A failure here means the channel is gone, and the broker redelivers the message.

        It must not escape: nameko kills the whole container when a worker's result
        handling raises, and its consumers with it.
        """
        try:
            self.queue_consumer.ack_message(message)
        except Exception as error:  # noqa: BLE001
            log.warning(
                "could not acknowledge an event; the broker will redeliver it",
                extra={"error_type": type(error).__name__},
            )

    def _requeue(self, message: Any) -> None:
        try:
            self.queue_consumer.requeue_message(message)
        except Exception as error:  # noqa: BLE001 - as in _ack
            log.warning(
                "could not requeue an event; the broker will redeliver it", extra={"error_type": type(error).__name__}
            )

    def _settle(self, message: Any, body: Any, error: BaseException, force_dead_letter: bool = False) -> None:
        headers = message.headers or {}
        if is_unavailable(error):
            counter, limit = OUTAGE_ATTEMPTS_HEADER, self.max_outage_attempts
        else:
            counter, limit = ATTEMPTS_HEADER, self.max_attempts
        attempts = int(headers.get(counter, 1))
        try:
            if force_dead_letter or isinstance(error, Invalid) or attempts >= limit:
                self._dead_letter(message, body, error, int(headers.get(ATTEMPTS_HEADER, 1)))
            else:
                eventlet.sleep(min(self.retry_pause * 2 ** (attempts - 1), MAX_RETRY_PAUSE))
                self._publish(self.queue.name, message, body, {counter: attempts + 1})
        except PublishFailed:
            log.warning("could not hand off a failed event; it goes back to the queue")
            self._requeue(message)
            return
        self._ack(message)

    def _dead_letter(self, message: Any, body: Any, error: BaseException, attempts: int) -> None:
        log.error(
            "event dead-lettered",
            extra={
                "queue": self.queue.name,
                "error_type": type(error).__name__,
                "attempts": attempts,
            },
        )
        headers = {
            "x-original-queue": self.queue.name,
            "x-original-routing-key": message.delivery_info.get("routing_key"),
            "x-error-type": type(error).__name__,
            "x-error": _safe_error_text(error),
            ATTEMPTS_HEADER: attempts,
        }
        self._publish(dead_letter_queue(self.container.service_name), message, body, headers)

    def _publish(self, queue: str, message: Any, body: Any, extra: dict[str, Any]) -> None:
        headers = {**(message.headers or {}), **extra}
        self.publisher.publish(
            [
                OutgoingMessage(
                    exchange="",
                    routing_key=queue,
                    body=body if isinstance(body, dict) else {"raw": str(body)},
                    message_id=message.properties.get("message_id"),
                    headers=headers,
                )
            ]
        )


def _safe_error_text(error: BaseException) -> str:
    """Our typed errors carry safe details; any other exception is named, its text withheld."""
    if isinstance(error, CrmError):
        return json.dumps(error.payload, default=str)[:2000]
    return type(error).__name__


reliable_event_handler = ReliableEventHandler.decorator
