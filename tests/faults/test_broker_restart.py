"""RabbitMQ restarted in the middle of a stream of 10,000 events: none is lost, none applied twice."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from nameko.containers import ServiceContainer

from crm_contacts.adapters.tables import plumbing
from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.service_layer import importing
from crm_shared.commands import run_command
from crm_shared.db import make_engine, utcnow
from tests.conftest import applied_times, assert_each_event_applied_once, wait_until
from tests.faults.test_consumer_faults import queue_state
from tests.support.ledger_service import LedgerService
from tests.support.private_rabbit import PrivateRabbit, available

LEDGER_QUEUE = "evt-contacts-contact.created--ledger.on_contact_created"
EVENTS = 10_000
BATCH = 1_000


@pytest.fixture
def private_broker(tmp_path):
    if not available():
        pytest.fail("rabbitmq-server is not installed, so no private node can be started for this test")
    broker = PrivateRabbit(tmp_path / "rabbit")
    broker.start()
    yield broker
    broker.stop()


def start(service_cls: type, config: dict[str, Any], started: list[Any]) -> None:
    container = ServiceContainer(service_cls, config)
    container.start()
    started.append(container)


def import_contacts(contacts_url: str) -> None:
    engine = make_engine(contacts_url)
    new_uow = lambda: ContactsUnitOfWork(engine, plumbing)  # noqa: E731
    for first in range(0, EVENTS, BATCH):
        rows = [
            {"first_name": f"P{n}", "emails": [{"address": f"p{n}@example.com"}]} for n in range(first, first + BATCH)
        ]
        work = partial(importing.import_contacts, rows=rows, first_row=first + 1, now=utcnow(), region="US")
        assert run_command(new_uow, work, operation="import")["created"] == BATCH
    engine.dispose()


def test_a_broker_restart_mid_stream_loses_no_event_and_applies_none_twice(private_broker, contacts_url, ledger_url):
    started: list[Any] = []
    try:
        start(LedgerService, {"AMQP_URI": private_broker.uri, "DATABASE_URL": ledger_url, "max_workers": 20}, started)
        start(ContactsService, {"AMQP_URI": private_broker.uri, "DATABASE_URL": contacts_url}, started)
        import_contacts(contacts_url)
        wait_until(lambda: len(applied_times(ledger_url)) >= EVENTS // 10, timeout=60)
        assert len(applied_times(ledger_url)) < EVENTS, "the stream ended before the broker restarted"
        private_broker.restart()
        assert_each_event_applied_once(
            ledger_url,
            contacts_url,
            EVENTS,
            lambda: f"queue (ready, consumers): {queue_state(private_broker.uri, LEDGER_QUEUE)}",
            timeout=120,
        )
    finally:
        for container in reversed(started):
            container.kill()
