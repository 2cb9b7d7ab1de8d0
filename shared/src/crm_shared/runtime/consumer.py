"""nameko's queue consumer, made to notice when it has been left draining the wrong connection.

When a worker's ack fails on a connection the broker reset, py-amqp marks that connection
dead before the consumer thread has read the error. kombu then hands the consumer thread a
fresh connection on its next read or heartbeat, without a word and without the consumers:
the service drains a connection that will never deliver anything, and its queues have no
consumer until it is restarted. This consumer checks, before each read, that the
connection its consumers live on is still the live one; if not, it closes what is left of
it and makes kombu reconnect and consume again, as after any lost connection.

Every nameko extension that consumes (RPC requests, RPC replies, events) uses it.
"""

from __future__ import annotations

import logging
from typing import Any

from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener

log = logging.getLogger(__name__)


class ConnectionLeftBehind(ConnectionResetError):
    """The consumers' connection died while the consumer thread was not reading it.

    A ``ConnectionError`` so that kombu's consume loop treats it as a lost connection.
    """


class SteadfastQueueConsumer(QueueConsumer):  # type: ignore[misc]
    consuming_channel: Any = None

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any, **kwargs: Any) -> None:
        self.consuming_channel = channel
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def on_iteration(self) -> None:
        # Checked before nameko cancels consumers: a cancel on a dead channel would raise
        # after nameko forgot the request, and the provider's removal would wait forever.
        channel = self.consuming_channel
        connection = channel.connection if channel is not None else None
        if channel is not None and not (connection is not None and connection.connected):
            self.consuming_channel = None
            if connection is not None:
                connection.collect()
            log.warning("the broker connection of %s was lost while it was not reading: consuming again", self)
            raise ConnectionLeftBehind("the consumers' broker connection was lost")
        super().on_iteration()


class SteadfastReplyListener(ReplyListener):  # type: ignore[misc]
    queue_consumer = SteadfastQueueConsumer()
