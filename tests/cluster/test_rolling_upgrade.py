"""A rolling upgrade of one service under load: no request and no event is lost or doubled.

As a Deployment rolls (``maxSurge: 1``, ``maxUnavailable: 0``): while clients keep
creating contacts over RPC, a new replica of the contacts service starts beside the old
one, then the old one is stopped the way SIGTERM stops ``nameko run`` (it stops
consuming, lets its running workers finish, and hands back what it had not started).
Clients retry a call that timed out with the same idempotency key, as the API asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import eventlet
import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from crm_contacts.adapters.tables import contacts
from crm_contacts.entrypoints.service import ContactsService
from crm_shared.db import make_engine
from crm_shared.errors import ServiceUnavailable
from crm_shared.runtime.rpc import call_with_deadline
from tests.conftest import applied_times, unpublished, wait_until
from tests.faults.test_consumer_faults import dead_letters
from tests.support.ledger_service import LedgerService

CLIENTS = 4
ATTEMPTS = 5


@pytest.fixture
def containers() -> Iterator[dict[str, ServiceContainer]]:
    started: dict[str, ServiceContainer] = {}
    yield started
    for container in reversed(list(started.values())):
        container.kill()


class Clients:
    """Green threads that create contacts one after another until told to stop."""

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        self.created: list[str] = []
        self.retries = 0
        self.failed: list[str] = []
        self._stop = eventlet.Event()
        self._threads = [eventlet.spawn(self._run, number) for number in range(CLIENTS)]

    def stop(self) -> None:
        self._stop.send(None)
        for thread in self._threads:
            thread.wait()

    def _run(self, client: int) -> None:
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=30) as rpc:
            call = 0
            while not self._stop.ready():
                self._create(
                    rpc, f"rolling-{client}-{call}", {"first_name": "Rolling", "last_name": f"U{client}-{call}"}
                )
                call += 1

    def _create(self, rpc: Any, key: str, fields: dict[str, Any]) -> None:
        for _ in range(ATTEMPTS):
            try:
                self.created.append(call_with_deadline(rpc.contacts, "create_contact", fields, key, deadline=5)["id"])
                return
            except ServiceUnavailable:
                self.retries += 1
        self.failed.append(key)


def live_contacts(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(contacts)).scalar_one()
    engine.dispose()
    return int(count)


def test_a_rolling_upgrade_of_one_service_loses_no_request_and_no_event(amqp_uri, contacts_url, ledger_url, containers):
    def start(name: str, service_cls: type, database: str) -> None:
        containers[name] = ServiceContainer(service_cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": database})
        containers[name].start()

    start("ledger", LedgerService, ledger_url)
    start("contacts, old version", ContactsService, contacts_url)
    clients = Clients(amqp_uri)
    try:
        wait_until(lambda: len(clients.created) >= 50, timeout=60)
        start("contacts, new version", ContactsService, contacts_url)
        wait_until(lambda: len(clients.created) >= 150, timeout=60)
        containers.pop("contacts, old version").stop()
        answered_when_old_stopped = len(clients.created)
        wait_until(lambda: len(clients.created) >= answered_when_old_stopped + 100, timeout=60)
    finally:
        clients.stop()

    assert clients.failed == [], f"calls that never got an answer: {clients.failed}"
    assert len(set(clients.created)) == len(clients.created), "two answers named the same contact"
    assert live_contacts(contacts_url) == len(clients.created), "a retried call created a second contact"
    wait_until(lambda: len(applied_times(ledger_url)) >= len(clients.created), timeout=60)
    applied = applied_times(ledger_url)
    assert set(applied) == set(clients.created)
    assert set(applied.values()) == {1}
    assert unpublished(contacts_url) == 0
    assert dead_letters(amqp_uri) == []
