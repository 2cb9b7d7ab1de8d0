"""RabbitMQ restarted in the middle of a stream of 10,000 events: none is lost, none applied twice."""

from __future__ import annotations

from typing import Any

import pytest
from nameko.containers import ServiceContainer

from crm_contacts.entrypoints.service import ContactsService
from tests.conftest import applied_times, assert_each_event_applied_once, import_contacts, wait_until
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


def test_a_broker_restart_mid_stream_loses_no_event_and_applies_none_twice(private_broker, contacts_url, ledger_url):
    started: list[Any] = []
    try:
        start(LedgerService, {"AMQP_URI": private_broker.uri, "DATABASE_URL": ledger_url, "max_workers": 20}, started)
        start(ContactsService, {"AMQP_URI": private_broker.uri, "DATABASE_URL": contacts_url}, started)
        import_contacts(contacts_url, EVENTS, BATCH)
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
