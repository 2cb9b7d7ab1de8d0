"""Two replicas of each service on one database and one vhost: work is shared and nothing is done twice.

Each test starts two nameko containers of the same service class, as two processes of a
deployment would run, and checks the paths the replicas share: the RPC queue (competing
consumers, each call answered once, retries with the same idempotency key racing on both
replicas), the outbox (both relays poll one table, yet every event is published once) and,
for consumers of contacts' events, the event queues (each event applied once through the
inbox, even when the broker delivers it twice). Timers that must fire once on two replicas
are tested beside their services.
"""

from __future__ import annotations

import inspect
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import eventlet
import pika
import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.events import EventHandler

from crm_contacts.adapters import tables as contacts_tables
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE as CONTACTS_PLUGIN
from crm_marketing.adapters import tables as marketing_tables
from crm_marketing.entrypoints.service import MarketingService
from crm_marketing.plugin import SERVICE as MARKETING_PLUGIN
from crm_sales.adapters import tables as sales_tables
from crm_sales.entrypoints.service import SalesService
from crm_sales.plugin import SERVICE as SALES_PLUGIN
from crm_shared.db import make_engine, utcnow
from crm_shared.events import new_envelope
from crm_shared.runtime.events import dead_letter_queue
from crm_shared.runtime.operations import Operations
from crm_shared.testing import MigratedDatabases, delete_queues, wait_until
from crm_support.adapters import tables as support_tables
from crm_support.entrypoints.service import SupportService
from crm_support.plugin import SERVICE as SUPPORT_PLUGIN

KEYS = 60  # distinct idempotency keys; each is sent twice at once, so 120 calls race on two replicas
EVENTS = 40  # incoming events; each is published twice, as a broker may redeliver


@dataclass(frozen=True)
class Replicated:
    """A service, the RPC that creates one of its records, and the table that record lands in."""

    service_cls: type
    migrations: Any
    tables: Any
    create: str
    fields: Callable[[int], dict[str, Any]]
    records: str
    consumes_erasure: bool
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.service_cls.name)


SERVICES = {
    "contacts": Replicated(
        ContactsService,
        CONTACTS_PLUGIN.migrations,
        contacts_tables,
        "create_contact",
        lambda n: {"first_name": "Replica", "last_name": f"R{n}"},
        "contacts",
        consumes_erasure=False,
    ),
    "sales": Replicated(
        SalesService,
        SALES_PLUGIN.migrations,
        sales_tables,
        "capture_lead",
        lambda n: {"channel": "web_form", "last_name": f"R{n}"},
        "leads",
        consumes_erasure=True,
    ),
    "support": Replicated(
        SupportService,
        SUPPORT_PLUGIN.migrations,
        support_tables,
        "create_ticket",
        lambda n: {"contact_id": str(uuid.uuid4()), "subject": f"R{n}", "channel": "chat"},
        "tickets",
        consumes_erasure=True,
        config={"EVENT_RETRY_PAUSE": 0.05},
    ),
    "marketing": Replicated(
        MarketingService,
        MARKETING_PLUGIN.migrations,
        marketing_tables,
        "create_segment",
        lambda n: {"name": f"Replica list {n}", "kind": "static"},
        "segments",
        consumes_erasure=True,
    ),
}


class Tap:
    """A plain pika consumer bound to ``<service>.events`` with ``#``: sees every event the service publishes."""

    def __init__(self, amqp_uri: str, exchange: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange, "topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key="#")
        self.event_ids: list[str] = []

    def drain_until(self, count: int, timeout: float = 20.0, settle: float = 0.5) -> list[str]:
        """Every event_id seen once ``count`` arrived and ``settle`` seconds passed with no more."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            method, _properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is not None:
                self.event_ids.append(json.loads(body)["event_id"])
                quiet_since = time.monotonic()
            elif len(self.event_ids) >= count and time.monotonic() - quiet_since > settle:
                break
            else:
                self.connection.sleep(0.02)
        return self.event_ids

    def close(self) -> None:
        self.connection.close()


def publish_erasures(amqp_uri: str, contact_ids: list[str]) -> None:
    """``contact.erased`` as contacts' relay publishes it, each one twice with the same event_id."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare("contacts.events", "topic", durable=True)
        for contact_id in contact_ids:
            data = {"contact_id": contact_id, "erased_at": utcnow().isoformat()}
            envelope = new_envelope(
                "contact.erased",
                data,
                aggregate_id=contact_id,
                sequence=1,
                producer="contacts",
                correlation_id="replicas",
            )
            body = json.dumps(envelope.to_wire())
            properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
            for _ in range(2):
                channel.basic_publish("contacts.events", "contact.erased", body, properties)
    finally:
        connection.close()


def metric_total(container: ServiceContainer, metric: str, **labels: str) -> float:
    """The sum over every sample of ``metric`` whose labels include ``labels``, as this replica counted it."""
    operations = next(dep for dep in container.dependencies if isinstance(dep, Operations))
    total = 0.0
    for family in operations.registry.collect():
        for sample in family.samples:
            if sample.name == metric and labels.items() <= sample.labels.items():
                total += sample.value
    return total


def dead_letters(amqp_uri: str, service_name: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        declared = connection.channel().queue_declare(dead_letter_queue(service_name), passive=True)
        return int(declared.method.message_count)
    finally:
        connection.close()


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def scalar(self, query: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def column(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())


def event_queues(service_cls: type) -> Iterator[str]:
    """The durable queues nameko declares for the service's event handlers, named as it names them."""
    for method_name, method in inspect.getmembers(service_cls):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                yield f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service_cls.name}.{method_name}"


@pytest.fixture
def replicas(
    request: pytest.FixtureRequest, amqp_uri: str, migrated_databases: MigratedDatabases
) -> Iterator[tuple[Replicated, list[ServiceContainer], Database, Tap]]:
    service = SERVICES[request.param]
    delete_queues(amqp_uri, *event_queues(service.service_cls), dead_letter_queue(service.name))
    url = migrated_databases.url("postgresql", service.migrations, service.tables.metadata)
    tap = Tap(amqp_uri, f"{service.name}.events")
    database = Database(url)
    started: list[ServiceContainer] = []
    try:
        for _ in range(2):
            container = ServiceContainer(
                service.service_cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, **service.config}
            )
            container.start()
            started.append(container)
        yield service, started, database, tap
    finally:
        for thread in [eventlet.spawn(container.stop) for container in started]:
            thread.wait()
        tap.close()
        database.engine.dispose()


@pytest.fixture
def rpc(amqp_uri: str) -> Iterator[Any]:
    from nameko.standalone.rpc import ClusterRpcProxy

    import crm_shared.runtime  # noqa: F401

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy


def call_racing(rpc: Any, service: Replicated) -> dict[str, list[Any]]:
    """Every key sent twice at once; all requests wait in the shared queue before any is answered."""
    method = getattr(getattr(rpc, service.name), service.create)
    keys = [f"replica-{n}-{uuid.uuid4().hex[:8]}" for n in range(KEYS)]
    pending = {key: [method.call_async(service.fields(n), key) for _ in range(2)] for n, key in enumerate(keys)}
    return {key: [reply.result() for reply in replies] for key, replies in pending.items()}


def assert_published_once(service: Replicated, database: Database, tap: Tap, containers: list[Any]) -> None:
    outbox = service.tables.plumbing.outbox
    wait_until(lambda: database.scalar(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))) == 0)
    committed = {str(event_id) for event_id in database.column(sa.select(outbox.c.event_id))}
    seen = tap.drain_until(len(committed))
    assert len(seen) == len(set(seen)), "an event was published twice"
    assert set(seen) == committed, "an event was lost or one appeared that no outbox holds"
    published = [metric_total(c, "crm_events_published_total", service=service.name) for c in containers]
    assert sum(published) == len(committed), published


def assert_none_published_twice(service: Replicated, database: Database, tap: Tap) -> None:
    outbox = service.tables.plumbing.outbox
    wait_until(lambda: database.scalar(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))) == 0)
    seen = tap.drain_until(0, settle=1.0)
    assert len(seen) == len(set(seen)), "an event was published twice"


@pytest.mark.parametrize("replicas", list(SERVICES), indirect=True)
def test_two_replicas_share_rpc_calls_and_publish_each_event_once(replicas, rpc):
    service, containers, database, tap = replicas

    answers = call_racing(rpc, service)

    for key, (first, second) in answers.items():
        assert first == second, f"the two calls with key {key} got different records"
    record_ids = {first["id"] for first, _second in answers.values()}
    assert len(record_ids) == KEYS
    assert database.scalar(sa.select(sa.func.count()).select_from(sa.table(service.records))) == KEYS
    handled = [metric_total(c, "crm_rpc_requests_total", method=service.create) for c in containers]
    assert sum(handled) == 2 * KEYS and min(handled) > 0, f"calls per replica: {handled}"
    assert_published_once(service, database, tap, containers)


@pytest.mark.parametrize(
    "replicas", [name for name, service in SERVICES.items() if service.consumes_erasure], indirect=True
)
def test_two_replicas_share_incoming_events_and_apply_each_once(replicas, amqp_uri):
    service, containers, database, tap = replicas
    inbox = service.tables.plumbing.inbox

    publish_erasures(amqp_uri, [str(uuid.uuid4()) for _ in range(EVENTS)])

    def applied() -> int:
        return int(database.scalar(sa.select(sa.func.count()).where(inbox.c.event_type == "contact.erased")))

    wait_until(lambda: applied() == EVENTS)

    def handled(outcome: str) -> list[float]:
        return [
            metric_total(c, "crm_events_handled_total", handler="on_contact_erased", outcome=outcome)
            for c in containers
        ]

    # A losing duplicate is retried and then skipped, so every delivery ends in one "ok" worker.
    wait_until(lambda: sum(handled("ok")) == 2 * EVENTS)
    assert min(handled("ok")) > 0, f"deliveries per replica: {handled('ok')}"
    assert applied() == EVENTS
    assert dead_letters(amqp_uri, service.name) == 0
    # An erasure also deletes outbox rows naming the person, so published events are checked on the wire only.
    assert_none_published_twice(service, database, tap)
    racing_failures = sum(
        metric_total(c, "crm_events_handled_total", handler="on_contact_erased") for c in containers
    ) - sum(handled("ok"))
    assert racing_failures == 0, "duplicate deliveries handled at the same moment collided on the inbox"
