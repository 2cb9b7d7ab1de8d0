"""Subscribe to CRM events with pika: your own durable queue, bound to what you want, acked after handling.

    pip install pika
    AMQP_URI=amqp://integrator.acme:SECRET@crm.example.com:5672/ python subscribe.py

Events arrive at least once and, across aggregates, in no particular order: deduplicate
on ``event_id`` and order each record's events by ``sequence`` (see docs/events.md).
"""

# ruff: noqa: T201 - an example prints what it receives
from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pika

# Your queue: durable, so events published while you are away wait for you. Integrator
# users may only use queues named ``integrator.<their name>.<anything>``.
QUEUE = os.environ.get("CRM_QUEUE", "integrator.example.contacts")
# Exchange -> routing keys (topic patterns over the event type).
BINDINGS = {"contacts.events": ["contact.*", "consent.changed"]}

Handler = Callable[[dict[str, Any]], None]


def open_subscription(amqp_uri: str, queue: str = QUEUE, bindings: dict[str, list[str]] = BINDINGS) -> Any:
    """Declare the queue and bind it; the exchanges exist once their service has started."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=50)
    channel.queue_declare(queue, durable=True)
    for exchange, routing_keys in bindings.items():
        for routing_key in routing_keys:
            channel.queue_bind(queue, exchange, routing_key=routing_key)
    return channel


class LatestOnly:
    """Skips redeliveries and events older than what was already handled for the same record.

    ``sequence`` counts per producer and record, so that pair is the key. Keep this state
    beside your own data, written in the same transaction; in memory it lasts only as long
    as the process.
    """

    def __init__(self, handle: Handler) -> None:
        self.handle = handle
        self.last_sequence: dict[tuple[str, str], int] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        record, sequence = (event["producer"], event["aggregate_id"]), event["sequence"]
        last = self.last_sequence.get(record, 0)
        if sequence <= last:
            return  # a redelivery, or older than what we have: events carry full state, so skip it
        if sequence > last + 1 and last:
            print(f"gap before {event['type']} #{sequence} of {record[1]}: fetch the record if you need it")
        self.handle(event)
        self.last_sequence[record] = sequence


def consume(channel: Any, handle: Handler, queue: str = QUEUE) -> None:
    """Handle each event, then acknowledge it; an event that fails is rejected, not retried forever."""

    def on_message(ch: Any, method: Any, properties: Any, body: bytes) -> None:
        try:
            handle(json.loads(body))
        except Exception as error:  # noqa: BLE001 - report, reject, keep consuming
            print(f"could not handle {properties.message_id}: {error!r}")
            ch.basic_nack(method.delivery_tag, requeue=False)
        else:
            ch.basic_ack(method.delivery_tag)

    channel.basic_consume(queue, on_message)
    channel.start_consuming()


def show(event: dict[str, Any]) -> None:
    print(event["occurred_at"], event["type"], event["aggregate_id"], f"#{event['sequence']}")


if __name__ == "__main__":
    channel = open_subscription(os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/"))
    try:
        consume(channel, LatestOnly(show))
    except KeyboardInterrupt:
        channel.connection.close()
