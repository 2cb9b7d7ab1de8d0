"""A change in the contacts service reaches any subscriber on RabbitMQ, and nothing is lost."""

from __future__ import annotations

import uuid
from functools import partial

from crm_contacts.adapters.tables import plumbing
from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork
from crm_contacts.service_layer import contacts as handlers
from crm_shared.commands import run_command
from crm_shared.db import make_engine, utcnow
from crm_shared.events import parse_event
from tests.conftest import applied_times, wait_until
from tests.support.ledger_service import LedgerService


def test_a_plain_pika_consumer_receives_contact_created_in_its_envelope(contacts_service, rpc, tap):
    events = tap("contacts.events", "contact.*")
    created = rpc.contacts.create_contact({"first_name": "Ada", "emails": [{"address": "ada@x.com"}]})
    [(properties, body)] = events.take(1)
    envelope, data = parse_event(body)
    assert envelope.type == "contact.created" and envelope.sequence == 1
    assert data["id"] == uuid.UUID(created["id"]) or str(data["id"]) == created["id"]
    assert properties.delivery_mode == 2 and properties.content_type == "application/json"
    assert properties.message_id == str(envelope.event_id)


def test_events_carry_the_callers_correlation_id(contacts_service, amqp_uri, tap):
    from nameko.standalone.rpc import ClusterRpcProxy

    events = tap("contacts.events", "contact.created")
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data={"correlation_id": "corr-123"}) as proxy:
        proxy.contacts.create_contact({"first_name": "Ada"})
    [(_, body)] = events.take(1)
    assert body["correlation_id"] == "corr-123"


def test_an_event_committed_while_no_relay_ran_is_delivered_when_one_starts(run_service, contacts_url, tap):
    """As if the process died between the commit and the publish."""
    events = tap("contacts.events", "contact.created")
    engine = make_engine(contacts_url)
    new_uow = lambda: ContactsUnitOfWork(engine, plumbing)  # noqa: E731
    body = run_command(new_uow, partial(handlers.create_contact, fields={"first_name": "Orphan"}, now=utcnow(), region="US"),
                       operation="create")  # fmt: skip
    engine.dispose()
    assert events.take(1, timeout=0.5) == []
    from crm_contacts.entrypoints.service import ContactsService

    run_service(ContactsService, DATABASE_URL=contacts_url)
    [(_, received)] = events.take(1)
    assert received["data"]["id"] == body["id"]


def test_a_redelivered_event_changes_nothing(contacts_service, run_service, ledger_url, rpc, tap, amqp_uri):
    run_service(LedgerService, DATABASE_URL=ledger_url)
    events = tap("contacts.events", "contact.created")
    created = rpc.contacts.create_contact({"first_name": "Once"})
    [(_, body)] = events.take(1)
    wait_until(lambda: applied_times(ledger_url).get(created["id"]) == 1)
    # Deliver the very same envelope again, as the broker would after a lost ack.
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().basic_publish("contacts.events", "contact.created", __import__("json").dumps(body),
                                       pika.BasicProperties(content_type="application/json", delivery_mode=2))  # fmt: skip
    connection.close()
    second = rpc.contacts.create_contact({"first_name": "Next"})
    wait_until(lambda: second["id"] in applied_times(ledger_url))
    assert applied_times(ledger_url)[created["id"]] == 1
