"""An erased canary contact (a unique marker in every personal field) leaves no trace anywhere."""

from __future__ import annotations

import json
import logging
import uuid

import pika
import sqlalchemy as sa

from crm_contacts.adapters.tables import metadata
from crm_shared.db import make_engine
from crm_shared.testing import delete_queues


def canary_contact(marker: str) -> dict:
    return {
        "first_name": marker, "last_name": marker, "job_title": marker, "owner": marker, "source": marker,
        "emails": [{"address": f"{marker}@example.com", "label": marker}],
        "phones": [{"number": "+1 415 555 0199", "label": marker}],
        "addresses": [{"street": marker, "city": marker, "label": marker}],
        "tags": [marker], "marketing": {"interests": [marker], "demographics": {"note": marker}},
        "custom_fields": {"nickname": marker},
    }  # fmt: skip


def rows_mentioning(url: str, marker: str) -> dict[str, int]:
    engine = make_engine(url)
    found = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            hits = sum(marker in json.dumps([str(v) for v in row]) for row in conn.execute(sa.select(table)))
            if hits:
                found[table.name] = hits
    engine.dispose()
    return found


def put_dead_letter(amqp_uri: str, body: dict) -> None:
    delete_queues(amqp_uri, "contacts.dead-letters")
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.queue_declare("contacts.dead-letters", durable=True)
    channel.basic_publish("", "contacts.dead-letters", json.dumps(body), pika.BasicProperties(delivery_mode=2))
    channel.basic_publish("", "contacts.dead-letters", json.dumps({"about": "someone else"}))
    connection.close()


def test_an_erased_canary_leaves_no_trace_in_tables_outbox_dead_letters_or_logs(
    contacts_service, contacts_url, rpc, amqp_uri, tap, caplog
):
    caplog.set_level(
        logging.INFO
    )  # the production level; the service configs keep nameko, kombu and amqp at INFO or above
    marker = f"canary{uuid.uuid4().hex[:12]}"
    events = tap("contacts.events", "#")
    contact = rpc.contacts.create_contact(canary_contact(marker), f"create-{marker}")
    contact_id = contact["id"]
    rpc.contacts.log_interaction(contact_id, {"kind": "call", "summary": marker, "actor": marker})
    rpc.contacts.create_task(contact_id, {"title": marker, "notes": marker, "due_at": "2030-01-01T00:00:00Z"})
    rpc.contacts.change_consent(contact_id, {"purpose": "profiling", "channel": "any", "action": "grant",
                                             "source": marker, "evidence": marker})  # fmt: skip
    put_dead_letter(amqp_uri, {"data": {"id": contact_id, "first_name": marker}})
    assert rows_mentioning(contacts_url, marker)
    assert rpc.contacts.pii_inventory(contact_id)["places"]["dead_letters"] == 1

    erased = rpc.contacts.erase_contact(contact_id)

    assert erased["contact_id"] == contact_id
    assert set(rpc.contacts.pii_inventory(contact_id)["places"].values()) == {0}
    assert rows_mentioning(contacts_url, marker) == {}
    assert marker not in caplog.text
    received = events.take(5)
    erased_events = [body for _, body in received if body["type"] == "contact.erased"]
    assert len(erased_events) == 1 and marker not in json.dumps(erased_events[0])
    # The other dead letter is still there: erasure removes only what mentions the person.
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    assert connection.channel().queue_declare("contacts.dead-letters", passive=True).method.message_count == 1
    connection.close()


def test_an_erased_contact_cannot_be_brought_back_by_a_late_update(contacts_service, rpc):
    import pytest

    from crm_shared.errors import Gone

    contact = rpc.contacts.create_contact({"first_name": "Late"})
    rpc.contacts.erase_contact(contact["id"])
    with pytest.raises(Gone):
        rpc.contacts.update_contact(contact["id"], {"first_name": "Back"})
    with pytest.raises(Gone):
        rpc.contacts.get_contact(contact["id"])
    assert rpc.contacts.erase_contact(contact["id"])["contact_id"] == contact["id"]  # erasing again is harmless
