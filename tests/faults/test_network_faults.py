"""Network faults between services and their broker or database, injected by a TCP proxy.

A stream of ``contact.created`` events flows from the contacts service's outbox through
RabbitMQ to a subscriber (the ledger service) that applies each one in its own database.
Midway, one link of that path (contacts to the broker: publishes and confirms; the ledger
to the broker: deliveries and acks; contacts' database, where its relay reads the outbox;
the ledger's database) refuses connections, hangs, slows down, or has connections cut in
the middle of a frame. The services recover by
themselves: every event is applied exactly once and none ends in a dead-letter queue.
Publishers and RPC callers facing a hung broker give up at their deadline.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlparse

import eventlet
import pika
import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from crm_contacts.adapters.tables import plumbing
from crm_contacts.entrypoints.service import ContactsService
from crm_shared.db import make_engine
from crm_shared.errors import ServiceUnavailable
from crm_shared.publisher import ConfirmedPublisher, OutgoingMessage, PublishFailed
from crm_shared.runtime.events import OUTAGE_ATTEMPTS_HEADER
from crm_shared.runtime.rpc import call_with_deadline
from tests.conftest import applied_times, assert_each_event_applied_once, import_contacts, wait_until
from tests.faults.test_consumer_faults import dead_letters
from tests.support.fault_proxy import FaultProxy
from tests.support.ledger_service import LedgerService

BATCHES, BATCH = 6, 200
EVENTS = BATCHES * BATCH
FAULT_SECONDS = 1.5


def _refused(proxy: FaultProxy) -> None:
    proxy.refuse()
    time.sleep(FAULT_SECONDS)
    proxy.accept()


def _stalled(proxy: FaultProxy) -> None:
    proxy.stall()
    time.sleep(FAULT_SECONDS)
    proxy.resume()


def _slow(proxy: FaultProxy) -> None:
    proxy.latency = 0.02  # per chunk and direction: 40 ms more per round trip
    time.sleep(FAULT_SECONDS)
    proxy.latency = 0.0


def _cut_mid_frame(proxy: FaultProxy) -> None:
    """Writes (a publish, an ack, a query) and replies (a confirm, a delivery, a result) cut in turn."""
    for direction in ("upstream", "downstream") * 3:
        before = proxy.cuts_made
        proxy.cut_next(direction)  # type: ignore[arg-type]
        wait_until(lambda before=before: proxy.cuts_made > before, timeout=20)
        time.sleep(0.3)


FAULTS: dict[str, Callable[[FaultProxy], None]] = {
    "refused": _refused,
    "hung": _stalled,
    "slow": _slow,
    "cut mid-frame": _cut_mid_frame,
}
LINKS = ("contacts to broker", "ledger to broker", "contacts database", "ledger database")


@pytest.fixture
def proxies() -> Iterator[list[FaultProxy]]:
    made: list[FaultProxy] = []
    yield made
    for proxy in made:
        proxy.close()


@pytest.fixture
def containers() -> Iterator[list[ServiceContainer]]:
    started: list[ServiceContainer] = []
    yield started
    for container in reversed(started):
        container.kill()


def _queues(amqp_uri: str) -> str:
    vhost = unquote(urlparse(amqp_uri).path[1:]) or "/"
    command = [
        "rabbitmqctl",
        "-q",
        "list_queues",
        "-p",
        vhost,
        "name",
        "messages_ready",
        "messages_unacknowledged",
        "consumers",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout


CASES = [pytest.param(link, fault, id=f"{link}-{fault}") for link in LINKS for fault in FAULTS]


@pytest.mark.slow
@pytest.mark.parametrize(("link", "fault"), CASES)
def test_the_event_stream_recovers_from_a_network_fault_with_nothing_lost_or_applied_twice(
    link, fault, amqp_uri, contacts_url, ledger_url, proxies, containers
):
    real = {
        "contacts to broker": amqp_uri,
        "ledger to broker": amqp_uri,
        "contacts database": contacts_url,
        "ledger database": ledger_url,
    }
    proxy = FaultProxy.in_front_of(real[link])
    proxies.append(proxy)
    seen = {name: proxy.url(url) if name == link else url for name, url in real.items()}

    for service_cls, broker, database in (
        (LedgerService, seen["ledger to broker"], seen["ledger database"]),
        (ContactsService, seen["contacts to broker"], seen["contacts database"]),
    ):
        container = ServiceContainer(service_cls, {"AMQP_URI": broker, "DATABASE_URL": database, "max_workers": 20})
        container.start()
        containers.append(container)

    # Imported batch by batch, so the relay is publishing while the fault happens.
    producer = eventlet.spawn(import_contacts, contacts_url, EVENTS, BATCH, 0.25)
    wait_until(lambda: len(applied_times(ledger_url)) >= EVENTS // 10, timeout=60)
    FAULTS[fault](proxy)
    producer.wait()
    assert_each_event_applied_once(ledger_url, contacts_url, EVENTS, lambda: f"queues: {_queues(amqp_uri)}")
    assert dead_letters(amqp_uri) == [], "a transient fault sent an event to the dead-letter queue"


def test_a_publisher_facing_a_hung_broker_gives_up_at_its_deadline_and_recovers(amqp_uri, proxies):
    proxy = FaultProxy.in_front_of(amqp_uri)
    proxies.append(proxy)
    publisher = ConfirmedPublisher(proxy.url(amqp_uri), confirm_timeout=1.0)
    message = OutgoingMessage(exchange="", routing_key="crm.no-such-queue", body={"n": 1})
    publisher.publish([message])

    proxy.stall()
    try:
        with eventlet.Timeout(15, AssertionError("the publisher hung on a silent broker")):
            with pytest.raises(PublishFailed):
                publisher.publish([message])
            with pytest.raises(PublishFailed):  # reconnecting to it times out as well
                publisher.publish([message])
    finally:
        proxy.resume()
    publisher.publish([message])
    publisher.close()


def test_an_rpc_caller_facing_a_hung_broker_gets_service_unavailable_at_its_deadline(
    amqp_uri, contacts_service, proxies
):
    proxy = FaultProxy.in_front_of(amqp_uri)
    proxies.append(proxy)
    with ClusterRpcProxy({"AMQP_URI": proxy.url(amqp_uri)}, timeout=30) as cluster:
        assert call_with_deadline(cluster.contacts, "search_contacts", {"limit": 1}, deadline=5)["items"] == []
        proxy.stall()
        try:
            with eventlet.Timeout(15, AssertionError("the RPC caller hung on a silent broker")):
                with pytest.raises(ServiceUnavailable):
                    call_with_deadline(cluster.contacts, "search_contacts", {"limit": 1}, deadline=1)
        finally:
            proxy.resume()
        assert call_with_deadline(cluster.contacts, "search_contacts", {"limit": 1}, deadline=10)["items"] == []


def test_a_database_outage_longer_than_the_retry_budget_ends_in_the_dead_letter_queue(
    amqp_uri, contacts_url, ledger_url, proxies, containers
):
    proxy = FaultProxy.in_front_of(ledger_url)
    proxies.append(proxy)
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": proxy.url(ledger_url),
        "EVENT_MAX_OUTAGE_ATTEMPTS": 3,
        "EVENT_RETRY_PAUSE": 0.05,
    }
    container = ServiceContainer(LedgerService, config)
    container.start()
    containers.append(container)
    proxy.refuse()

    import_contacts(contacts_url, 1, 1)
    engine = make_engine(contacts_url)
    with engine.connect() as conn:
        envelope = conn.execute(sa.select(plumbing.outbox.c.envelope)).scalar_one()
    engine.dispose()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    connection.channel().basic_publish("contacts.events", "contact.created", json.dumps(envelope), properties)
    connection.close()

    letters = wait_until(lambda: dead_letters(amqp_uri), timeout=30)
    headers, body = letters[0]
    assert body["event_id"] == envelope["event_id"]
    assert headers["x-error-type"] == "OperationalError"
    assert headers[OUTAGE_ATTEMPTS_HEADER] == 3


def test_a_subscriber_whose_connection_died_under_a_workers_ack_consumes_again(
    amqp_uri, contacts_url, ledger_url, containers
):
    """A worker's ack fails on a reset connection while the consumer thread is not reading it.

    py-amqp marks the connection dead at the failed write; kombu would then hand the
    consumer thread a fresh connection without its consumers. Here the same is done by hand.
    """
    for service_cls, database in ((LedgerService, ledger_url), (ContactsService, contacts_url)):
        container = ServiceContainer(service_cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": database})
        container.start()
        containers.append(container)
    ledger = containers[0]

    consumer = next(iter(ledger.entrypoints)).queue_consumer
    transport = consumer.consuming_channel.connection.transport
    sock = transport.sock
    transport.connected = False  # what py-amqp does when a write fails
    eventlet.sleep(2.5)  # the consumer thread's read times out and it checks the heartbeat
    with contextlib.suppress(OSError):  # already closed if the consumer noticed
        sock.shutdown(socket.SHUT_RDWR)  # the broker has lost the old connection

    import_contacts(contacts_url, 30, 10)
    assert_each_event_applied_once(ledger_url, contacts_url, 30, lambda: f"queues: {_queues(amqp_uri)}", timeout=30)
