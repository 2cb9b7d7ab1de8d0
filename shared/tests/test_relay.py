"""The outbox relay: replicas side by side publish every committed event exactly once."""

from __future__ import annotations

import json
import uuid

import eventlet
import pika
import sqlalchemy as sa

from crm_shared.db import make_engine, new_metadata
from crm_shared.plumbing import plumbing_tables
from crm_shared.publisher import ConfirmedPublisher
from crm_shared.relay import OutboxRelay
from crm_shared.unit_of_work import SqlUnitOfWork

EVENTS = 3_000


def erased(contact_id: str) -> dict:
    return {"contact_id": contact_id, "erased_at": "2026-01-01T00:00:00+00:00"}


def test_two_relays_on_one_postgres_outbox_publish_each_event_once(new_postgres_database, amqp_uri):
    metadata = new_metadata()
    tables = plumbing_tables(metadata)
    engine = make_engine(new_postgres_database("relay"))
    metadata.create_all(engine)
    with SqlUnitOfWork(engine, tables) as uow:
        for _ in range(EVENTS):
            uow.publish("contact.erased", erased(str(uuid.uuid4())), uuid.uuid4())
        uow.commit()

    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare("contacts.events", "topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, "contacts.events", "contact.erased")

    relays = [OutboxRelay(engine, tables.outbox, ConfirmedPublisher(amqp_uri), batch_size=100) for _ in range(2)]

    def drain(relay: OutboxRelay) -> int:
        published = 0
        while (batch := relay.publish_pending()) > 0:
            published += batch
            eventlet.sleep(0)
        return published

    pool = eventlet.GreenPool()
    shares = list(pool.imap(drain, relays))

    received = []
    while (message := channel.basic_get(queue, auto_ack=True))[0] is not None:
        received.append(json.loads(message[2])["event_id"])
    connection.close()
    for relay in relays:
        relay.publisher.close()
    with engine.connect() as conn:
        pending = conn.execute(
            sa.select(sa.func.count()).select_from(tables.outbox).where(tables.outbox.c.published_at.is_(None))
        ).scalar_one()
    engine.dispose()
    assert sum(shares) == EVENTS and all(share > 0 for share in shares), shares
    assert len(received) == EVENTS == len(set(received))
    assert pending == 0


def test_published_rows_older_than_the_keep_time_are_pruned_and_pending_ones_never(new_postgres_database, amqp_uri):
    from datetime import timedelta

    from crm_shared.db import utcnow

    metadata = new_metadata()
    tables = plumbing_tables(metadata)
    engine = make_engine(new_postgres_database("prune"))
    metadata.create_all(engine)
    with SqlUnitOfWork(engine, tables) as uow:
        for _ in range(3):
            uow.publish("contact.erased", erased(str(uuid.uuid4())), uuid.uuid4())
        uow.commit()
    outbox = tables.outbox
    with engine.begin() as conn:
        ids = conn.execute(sa.select(outbox.c.id).order_by(outbox.c.id)).scalars().all()
        conn.execute(outbox.update().where(outbox.c.id == ids[0]).values(published_at=utcnow() - timedelta(days=8)))
        conn.execute(outbox.update().where(outbox.c.id == ids[1]).values(published_at=utcnow() - timedelta(days=1)))
    relay = OutboxRelay(engine, outbox, ConfirmedPublisher(amqp_uri), keep_published=timedelta(days=7))

    pruned = relay.prune_published()

    with engine.connect() as conn:
        left = conn.execute(sa.select(outbox.c.id).order_by(outbox.c.id)).scalars().all()
    relay.publisher.close()
    engine.dispose()
    assert pruned == 1 and left == ids[1:]
