"""The pika example in docs/examples/subscribe.py works as written: a new contact reaches its handler."""

from __future__ import annotations

import importlib.util
import queue
import threading
import time
import uuid
from pathlib import Path

import pika
import pytest

from crm_shared.asyncapi.completeness import watch_outboxes
from crm_shared.events import parse_event

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "subscribe.py"
PROMISED_SECONDS = 1.0


def load_example():
    spec = importlib.util.spec_from_file_location("subscribe_example", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def example_queue(amqp_uri):
    """A fresh queue name; the exchange exists as it does once the contacts service has published."""
    name = f"integrator.example.{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().exchange_declare("contacts.events", "topic", durable=True)
    yield name
    connection.channel().queue_delete(name)
    connection.close()


@pytest.fixture
def running_example(amqp_uri, example_queue):
    """The example's own subscription and consume loop, with a handler that records what it gets."""
    example = load_example()
    handled: queue.Queue[dict] = queue.Queue()
    channel = example.open_subscription(amqp_uri, example_queue, example.BINDINGS)
    consumer = threading.Thread(target=example.consume, args=(channel, example.LatestOnly(handled.put), example_queue))
    consumer.start()
    yield handled
    channel.connection.add_callback_threadsafe(channel.stop_consuming)
    consumer.join(timeout=10)
    channel.connection.close()


def test_a_contact_created_over_rpc_reaches_the_examples_handler_within_a_second(
    contacts_service, rpc, running_example
):
    with watch_outboxes() as watch:
        created = rpc.contacts.create_contact({"first_name": "Grace", "emails": [{"address": "grace@example.com"}]})
        written = time.monotonic()
        event = running_example.get(timeout=10)
    waited = time.monotonic() - written

    envelope, data = parse_event(event)
    assert (envelope.type, envelope.sequence, str(data["id"])) == ("contact.created", 1, created["id"])
    assert waited < PROMISED_SECONDS, f"the event took {waited:.3f}s"
    assert watch.checked >= 1 and watch.problems == []


def test_the_queue_keeps_events_for_a_subscriber_that_was_away(contacts_service, rpc, amqp_uri, example_queue):
    example = load_example()
    example.open_subscription(amqp_uri, example_queue, example.BINDINGS).connection.close()
    created = rpc.contacts.create_contact({"first_name": "Away"})
    rpc.contacts.update_contact(created["id"], {"job_title": "CTO"}, created["version"])

    handled: list[dict] = []
    channel = example.open_subscription(amqp_uri, example_queue, example.BINDINGS)

    def handle(event: dict) -> None:
        handled.append(event)
        if len(handled) == 2:
            channel.stop_consuming()

    consumer = threading.Thread(target=example.consume, args=(channel, example.LatestOnly(handle), example_queue))
    consumer.start()
    consumer.join(timeout=10)
    channel.connection.close()

    assert [(e["type"], e["sequence"]) for e in handled] == [("contact.created", 1), ("contact.updated", 2)]
