"""``crm integrators``: a broker user that reads events from its own queues and can publish nothing.

Uses RabbitMQ's management API, enabled on the local broker for these tests
(`rabbitmq-plugins enable rabbitmq_management`) when it does not answer yet.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from urllib.parse import urlparse

import pika
import pytest
from pika.exceptions import (
    ChannelClosedByBroker,
    ConnectionClosedByBroker,
    ProbableAccessDeniedError,
    ProbableAuthenticationError,
)

from crm_cli.rabbitmq_admin import AdminUnavailable, RabbitAdmin
from crm_shared.events import new_envelope
from crm_shared.publisher import ConfirmedPublisher, OutgoingMessage

REFUSED = 403


def management_answers(admin: RabbitAdmin) -> bool:
    try:
        admin.queues()
    except AdminUnavailable:
        return False
    return True


@pytest.fixture(scope="session")
def management(amqp_uri):
    admin = RabbitAdmin.from_amqp_uri(amqp_uri)
    if not management_answers(admin):
        if shutil.which("rabbitmq-plugins") is None:
            pytest.fail("the RabbitMQ management API does not answer and rabbitmq-plugins is not here", pytrace=False)
        subprocess.run(["rabbitmq-plugins", "enable", "rabbitmq_management"], capture_output=True, timeout=120)
        deadline = time.monotonic() + 60
        while not management_answers(admin):
            if time.monotonic() > deadline:
                pytest.fail("the RabbitMQ management API did not start", pytrace=False)
            time.sleep(0.5)
    return admin


@pytest.fixture
def integrator(crm, broker, management):
    """A new integrator; its AMQP URI as ``crm integrators create`` printed it. Revoked afterwards."""
    name = f"acme-{uuid.uuid4().hex[:6]}"
    run = crm("integrators", "create", name)
    assert run.exit_code == 0, run.err
    yield name, run.out.strip()
    crm("integrators", "revoke", name)


@pytest.fixture
def exchanges(broker):
    """The exchanges as the services declare them."""
    connection = pika.BlockingConnection(pika.URLParameters(broker))
    channel = connection.channel()
    channel.exchange_declare("contacts.events", "topic", durable=True)
    channel.exchange_declare("nameko-rpc", "topic", durable=True)
    connection.close()


def channel_of(uri: str):
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    channel = connection.channel()
    channel.confirm_delivery()
    return connection, channel


def publish_contact_created(amqp_uri: str) -> dict:
    data = {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00"}
    wire = new_envelope(
        "contact.erased", data, aggregate_id=data["contact_id"], sequence=1, correlation_id=None
    ).to_wire()
    wire = {**wire, "type": "contact.created"}  # only the routing matters here
    publisher = ConfirmedPublisher(amqp_uri)
    publisher.publish([OutgoingMessage("contacts.events", "contact.created", wire, str(wire["event_id"]))])
    publisher.close()
    return wire


def test_the_integrator_reads_contact_created_from_its_own_queue(integrator, exchanges, broker):
    name, uri = integrator
    assert urlparse(uri).username == f"integrator.{name}" and urlparse(uri).password
    connection, channel = channel_of(uri)
    queue = f"integrator.{name}.contacts"
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, "contacts.events", routing_key="contact.*")

    sent = publish_contact_created(broker)

    deadline = time.monotonic() + 10
    while (message := channel.basic_get(queue))[0] is None and time.monotonic() < deadline:
        connection.sleep(0.05)
    method, _, body = message
    assert method is not None and json.loads(body)["event_id"] == sent["event_id"]
    channel.basic_ack(method.delivery_tag)
    connection.close()


@pytest.mark.parametrize(
    ("exchange", "routing_key"),
    [("contacts.events", "contact.created"), ("nameko-rpc", "contacts.create_contact"), ("", "rpc-contacts")],
)
def test_the_broker_refuses_every_publish_by_an_integrator(integrator, exchanges, exchange, routing_key):
    connection, channel = channel_of(integrator[1])

    with pytest.raises(ChannelClosedByBroker) as refused:
        channel.basic_publish(exchange, routing_key, b"{}", pika.BasicProperties(delivery_mode=2))

    assert refused.value.reply_code == REFUSED
    connection.close()


@pytest.mark.parametrize(
    "queue", ["rpc-contacts", "evt-contacts-contact.created--sales.on_contact_created", "integrator.someone-else.q"]
)
def test_the_broker_refuses_queues_that_are_not_the_integrators_own(integrator, queue):
    connection, channel = channel_of(integrator[1])

    with pytest.raises(ChannelClosedByBroker) as refused:
        channel.queue_declare(queue, durable=True)

    assert refused.value.reply_code == REFUSED
    connection.close()


def test_its_own_queue_cannot_be_bound_to_the_rpc_exchange(integrator, exchanges):
    name, uri = integrator
    connection, channel = channel_of(uri)
    channel.queue_declare(f"integrator.{name}.rpc", durable=True)

    with pytest.raises(ChannelClosedByBroker) as refused:
        channel.queue_bind(f"integrator.{name}.rpc", "nameko-rpc", routing_key="#")

    assert refused.value.reply_code == REFUSED
    connection.close()


def test_list_names_integrators_and_revoke_shuts_them_out_and_drops_their_queues(crm, integrator, management):
    name, uri = integrator
    connection, channel = channel_of(uri)
    channel.queue_declare(f"integrator.{name}.contacts", durable=True)
    assert name in crm("integrators", "list").out.splitlines()

    assert crm("integrators", "revoke", name).exit_code == 0

    with pytest.raises(ConnectionClosedByBroker):
        connection.process_data_events(time_limit=5)
        connection.channel()
    assert name not in crm("integrators", "list").out.splitlines()
    with pytest.raises((ProbableAuthenticationError, ProbableAccessDeniedError)):
        pika.BlockingConnection(pika.URLParameters(uri))
    assert not [q for q in management.queues() if q.startswith(f"integrator.{name}.")]
    assert crm("integrators", "revoke", name).exit_code == 1


def test_a_second_create_with_the_same_name_is_refused_and_names_are_checked(crm, integrator):
    assert crm("integrators", "create", integrator[0]).exit_code == 1
    bad = crm("integrators", "create", "Acme.*")
    assert bad.exit_code == 2 and "not an integrator name" in bad.err


def test_a_management_api_that_does_not_answer_is_one_clear_line(crm, broker, monkeypatch):
    from crm_shared.testing import free_port

    monkeypatch.setenv("CRM_RABBITMQ_MANAGEMENT_URL", f"http://127.0.0.1:{free_port()}")
    run = crm("integrators", "list")

    assert run.exit_code == 1
    assert run.err.count("\n") == 1 and "management API does not answer" in run.err


def test_the_broker_refuses_reading_a_services_queue(integrator, broker):
    services_queue = "evt-contacts-contact.created--sales.on_contact_created"
    connection = pika.BlockingConnection(pika.URLParameters(broker))
    connection.channel().queue_declare(services_queue, durable=True)
    connection.close()
    connection, channel = channel_of(integrator[1])

    with pytest.raises(ChannelClosedByBroker) as refused:
        channel.basic_get(services_queue)

    assert refused.value.reply_code == REFUSED
    connection.close()
