"""Cross-service tests (contract, e2e, faults): real RabbitMQ, real PostgreSQL and SQLite, real processes.

Nothing is replaced. Services run as nameko containers in the test process, or as
subprocesses where a test must kill one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pika
import pytest
import sqlalchemy as sa

from crm_contacts.adapters.tables import metadata as contacts_metadata
from crm_contacts.adapters.tables import plumbing
from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.service_layer import importing
from crm_shared.commands import run_command
from crm_shared.db import make_engine, utcnow
from crm_shared.testing import MigratedDatabases, delete_queues, wait_until  # noqa: F401 - used by tests
from tests.support import ledger_service

ROOT = Path(__file__).parents[1]
CONTACTS_MIGRATIONS = ROOT / "services" / "contacts" / "src" / "crm_contacts" / "migrations"


@pytest.fixture
def contacts_url(migrated_databases: MigratedDatabases) -> str:
    return migrated_databases.url("postgresql", CONTACTS_MIGRATIONS, contacts_metadata)


@pytest.fixture
def contacts_service(run_service: Callable[..., Any], contacts_url: str) -> Any:
    return run_service(ContactsService, DATABASE_URL=contacts_url)


@pytest.fixture
def rpc(amqp_uri: str) -> Iterator[Any]:
    from nameko.standalone.rpc import ClusterRpcProxy

    import crm_shared.runtime  # noqa: F401

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy


LEDGER_QUEUES = (
    "evt-contacts-contact.created--ledger.on_contact_created",
    "evt-contacts-contact.updated--ledger.on_contact_updated",
    "ledger.dead-letters",
    "contacts.dead-letters",
)


@pytest.fixture
def ledger_url(new_postgres_database: Callable[[str], str], amqp_uri: str) -> str:
    delete_queues(amqp_uri, *LEDGER_QUEUES)
    url = new_postgres_database("ledger")
    engine = make_engine(url)
    ledger_service.metadata.create_all(engine)
    engine.dispose()
    return url


def applied_times(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ledger_service.applied)).all()
    engine.dispose()
    return {row.contact_id: row.times for row in rows}


def import_contacts(contacts_url: str, count: int, batch: int, pause: float = 0.0) -> None:
    """``count`` contacts committed straight through the service layer, ``batch`` at a time,
    ``pause`` seconds apart: each imported row leaves one ``contact.created`` in the outbox."""
    engine = make_engine(contacts_url)
    for first in range(0, count, batch):
        rows = [
            {"first_name": f"P{n}", "emails": [{"address": f"p{n}@example.com"}]} for n in range(first, first + batch)
        ]
        work = partial(importing.import_contacts, rows=rows, first_row=first + 1, now=utcnow(), region="US")
        assert run_command(lambda: ContactsUnitOfWork(engine, plumbing), work, operation="import")["created"] == batch
        time.sleep(pause)
    engine.dispose()


def unpublished(contacts_url: str) -> int:
    """Outbox rows of the contacts service not yet confirmed by the broker."""
    engine = make_engine(contacts_url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(plumbing.outbox).where(plumbing.outbox.c.published_at.is_(None))
        ).scalar_one()
    engine.dispose()
    return int(count)


def assert_each_event_applied_once(
    ledger_url: str, contacts_url: str, events: int, describe: Callable[[], str], timeout: float = 60
) -> None:
    """The ledger applied ``events`` events, none twice, and the contacts outbox is empty."""
    try:
        wait_until(lambda: len(applied_times(ledger_url)) >= events, timeout=timeout, interval=0.5)
    except AssertionError:
        raise AssertionError(
            f"applied {len(applied_times(ledger_url))} of {events}; "
            f"{unpublished(contacts_url)} unpublished; {describe()}"
        ) from None
    applied = applied_times(ledger_url)
    assert len(applied) == events
    assert set(applied.values()) == {1}, "an event was applied twice"
    assert unpublished(contacts_url) == 0


class EventTap:
    """A plain pika consumer, as an integrator would write one, bound to ``<service>.events``."""

    def __init__(self, amqp_uri: str, exchange: str, binding: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange, "topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key=binding)

    def take(self, count: int, timeout: float = 10.0) -> list[tuple[Any, dict[str, Any]]]:
        received: list[tuple[Any, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout
        while len(received) < count and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.02)
                continue
            received.append((properties, json.loads(body)))
        return received

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def tap(amqp_uri: str) -> Iterator[Callable[[str, str], EventTap]]:
    taps: list[EventTap] = []

    def open_tap(exchange: str = "contacts.events", binding: str = "#") -> EventTap:
        taps.append(EventTap(amqp_uri, exchange, binding))
        return taps[-1]

    yield open_tap
    for t in taps:
        t.close()
