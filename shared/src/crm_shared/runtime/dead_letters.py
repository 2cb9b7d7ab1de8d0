"""A service's dead-letter queue as a place that may hold personal data: counted and erased.

Dead letters keep the original message, so an erasure must reach them too. The
queue is drained once and every message that does not mention the person is put
back; a message that arrives meanwhile is not lost, only perhaps left for the next
erasure of that person (which every ``contact.erased`` redelivery would be).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import amqp
from nameko.extensions import DependencyProvider

from crm_shared import config
from crm_shared.publisher import connection_params
from crm_shared.runtime.events import dead_letter_queue


class DeadLetterStore:
    def __init__(self, amqp_uri: str, queue: str) -> None:
        self.amqp_uri = amqp_uri
        self.queue = queue
        self._lock = threading.Lock()

    def count_mentions(self, needle: str) -> int:
        return self._sweep(needle, erase=False)

    def erase_mentions(self, needle: str) -> int:
        return self._sweep(needle, erase=True)

    def _sweep(self, needle: str, erase: bool) -> int:
        with self._lock:
            connection = amqp.Connection(connect_timeout=5, **connection_params(self.amqp_uri))
            connection.connect()
            try:
                return self._sweep_channel(connection.channel(), needle, erase)
            finally:
                connection.close()

    def _sweep_channel(self, channel: Any, needle: str, erase: bool) -> int:
        # Passive: the handlers declare the queue with its type (classic or quorum), and a
        # declaration without that type would be refused by a quorum queue.
        try:
            channel.queue_declare(self.queue, passive=True)
        except amqp.exceptions.NotFound:  # no handler has started yet: no dead letters
            return 0
        mentions = 0
        while (message := channel.basic_get(self.queue, no_ack=False)) is not None:
            if needle in _text(message):
                mentions += 1
                if erase:
                    channel.basic_ack(message.delivery_tag)
        # Messages not acknowledged go back to the queue, in their order, when the channel closes.
        channel.close()
        return mentions


def _text(message: Any) -> str:
    body = message.body.decode() if isinstance(message.body, bytes) else str(message.body)
    return body + json.dumps(message.headers or {}, default=str)


class DeadLetters(DependencyProvider):  # type: ignore[misc]
    """The service's own dead-letter store."""

    def setup(self) -> None:
        cfg = self.container.config
        self.store = DeadLetterStore(
            cfg.get("AMQP_URI") or config.amqp_uri(), dead_letter_queue(self.container.service_name)
        )

    def get_dependency(self, worker_ctx: Any) -> DeadLetterStore:
        return self.store
