"""A 3-node RabbitMQ cluster loses a node mid-stream: no event is lost, none is applied twice.

Real processes throughout: three private RabbitMQ nodes on their own ports, two
replicas of the contacts service sharing one PostgreSQL outbox, and a subscriber
whose queue is a quorum queue. The node that is stopped leads that queue and contacts'
RPC queue (quorum too) and is the broker of one contacts replica, so the test covers
leader elections, a publisher whose broker vanished with a batch unconfirmed,
redeliveries to the subscriber, and RPC calls still answered afterwards.
"""

from __future__ import annotations

from typing import Any

import pika
import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from crm_contacts.entrypoints.service import ContactsService
from crm_shared.runtime.events import quorum_arguments
from crm_shared.runtime.operations import Operations
from crm_shared.runtime.rpc import call_with_deadline
from tests.conftest import applied_times, assert_each_event_applied_once, import_contacts, wait_until
from tests.support.private_rabbit import available
from tests.support.quorum_ledger import SERVICE_NAME, QuorumLedgerService
from tests.support.rabbit_cluster import RabbitCluster

pytestmark = pytest.mark.slow

LEDGER_QUEUE = "evt-contacts-contact.created--ledger.on_contact_created"
RPC_QUEUE = "rpc-contacts"
EVENTS = 1_500
BATCH = 500


@pytest.fixture
def cluster(tmp_path):
    if not available():
        pytest.fail("rabbitmq-server is not installed, so no private cluster can be started for this test")
    rabbits = RabbitCluster(tmp_path / "cluster")
    try:
        rabbits.start()
        yield rabbits
    finally:
        rabbits.stop()


def declare_quorum_queue_on(uri: str) -> None:
    """Declared through the node that is to lead it (a quorum queue's leader is the declaring client's node)."""
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    connection.channel().queue_declare(LEDGER_QUEUE, durable=True, arguments=quorum_arguments(SERVICE_NAME))
    connection.close()


def published_by(container: Any) -> float:
    operations = next(dep for dep in container.dependencies if isinstance(dep, Operations))
    return float(operations.workers.events_published.labels("contacts")._value.get())


def test_losing_the_node_that_leads_the_queue_loses_no_event_and_applies_none_twice(cluster, contacts_url, ledger_url):
    doomed, second, third = cluster.nodes
    declare_quorum_queue_on(doomed.uri)
    assert cluster.quorum_leader(LEDGER_QUEUE, third) == cluster.name(doomed)
    started: list[Any] = []

    def start(service_cls: type, node: Any, **config: Any) -> Any:
        container = ServiceContainer(service_cls, {"AMQP_URI": node.uri, "HEALTH_ADDRESS": "127.0.0.1:0", **config})
        container.start()
        started.append(container)
        return container

    try:
        start(QuorumLedgerService, third, DATABASE_URL=ledger_url, max_workers=20, EVENT_QUEUE_TYPE="quorum")
        replicas = [
            start(ContactsService, node, DATABASE_URL=contacts_url, EVENT_QUEUE_TYPE="quorum")
            for node in (doomed, second)
        ]
        assert cluster.quorum_leader(RPC_QUEUE, third) == cluster.name(doomed)
        import_contacts(contacts_url, EVENTS, BATCH)
        wait_until(lambda: len(applied_times(ledger_url)) >= EVENTS // 5, timeout=60)
        assert len(applied_times(ledger_url)) < EVENTS, "the stream ended before the node was stopped"

        doomed.stop()

        assert_each_event_applied_once(
            ledger_url,
            contacts_url,
            EVENTS,
            lambda: f"leader: {cluster.quorum_leader(LEDGER_QUEUE, third)}",
            timeout=90,
        )
        assert cluster.quorum_leader(LEDGER_QUEUE, third) in (cluster.name(second), cluster.name(third))
        shares = [published_by(replica) for replica in replicas]
        assert sum(shares) == EVENTS, f"each outbox row is published by one replica once: {shares}"
        assert shares[1] > 0
        # The RPC queue was led by the lost node too: it elected another leader and keeps taking calls.
        assert cluster.quorum_leader(RPC_QUEUE, third) in (cluster.name(second), cluster.name(third))
        with ClusterRpcProxy({"AMQP_URI": third.uri}, timeout=30) as caller:
            page = call_with_deadline(caller.contacts, "search_contacts", {"limit": 1}, deadline=10)
        assert len(page["items"]) == 1
    finally:
        # A nameko container whose broker is gone cannot be killed: its consumer keeps retrying the
        # connection. The node comes back (it rejoins the cluster from its own data) before they stop.
        if doomed.process is None:
            doomed.start()
        for container in reversed(started):
            container.kill()
