"""Replaying events into an integrator's own queue on the broker, in order, with publisher confirms."""

from __future__ import annotations

from typing import Any

import amqp

from crm_shared.errors import Invalid
from crm_shared.publisher import ConfirmedPublisher, OutgoingMessage, connection_params


def check_queue_exists(amqp_uri: str, queue: str) -> None:
    """Publishing to a queue that does not exist would drop the events silently: refuse instead."""
    connection = amqp.Connection(**connection_params(amqp_uri))
    connection.connect()
    try:
        connection.channel().queue_declare(queue, passive=True)
    except amqp.exceptions.NotFound:
        raise Invalid("Input is not valid.", fields={"queue": ["No such queue on the broker."]}) from None
    finally:
        connection.collect()


class QueuePublisher:
    def __init__(self, amqp_uri: str, queue: str) -> None:
        self.queue = queue
        self.publisher = ConfirmedPublisher(amqp_uri)

    def publish(self, envelopes: list[dict[str, Any]]) -> None:
        messages = [
            OutgoingMessage(exchange="", routing_key=self.queue, body=envelope, message_id=str(envelope["event_id"]))
            for envelope in envelopes
        ]
        self.publisher.publish(messages)

    def close(self) -> None:
        self.publisher.close()
