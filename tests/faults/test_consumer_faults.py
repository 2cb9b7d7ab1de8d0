"""Consumers: a crash before the ack applies an event once; poison ends in the dead-letter queue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pika
import pytest

from crm_shared.runtime.events import quorum_arguments
from tests.conftest import ROOT, applied_times, wait_until
from tests.support.ledger_service import LedgerService

CREATED_QUEUE = "evt-contacts-contact.created--ledger.on_contact_created"
UPDATED_QUEUE = "evt-contacts-contact.updated--ledger.on_contact_updated"
DEAD_LETTERS = "ledger.dead-letters"


def queue_state(amqp_uri: str, queue: str) -> tuple[int, int]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return declared.method.message_count, declared.method.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        return 0, 0
    finally:
        if connection.is_open:
            connection.close()


def dead_letters(amqp_uri: str) -> list[tuple[dict, dict]]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    found = []
    while True:
        method, properties, body = channel.basic_get(DEAD_LETTERS, auto_ack=True)
        if method is None:
            break
        found.append((properties.headers or {}, json.loads(body)))
    connection.close()
    return found


def start_ledger(tmp_path: Path, amqp_uri: str, ledger_url: str, crash_flag: Path) -> subprocess.Popen[bytes]:
    config = tmp_path / "ledger.yaml"
    config.write_text(
        json.dumps({"AMQP_URI": amqp_uri, "DATABASE_URL": ledger_url, "CRASH_AFTER_COMMIT": str(crash_flag)})
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "crm_shared.runtime.runner", "tests.support.ledger_service", str(config)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_consumer_killed_after_its_write_and_before_its_ack_applies_the_event_once(
    contacts_service, rpc, amqp_uri, ledger_url, tmp_path
):
    crash_flag = tmp_path / "crash"
    crash_flag.touch()
    ledger = start_ledger(tmp_path, amqp_uri, ledger_url, crash_flag)
    try:
        wait_until(lambda: queue_state(amqp_uri, CREATED_QUEUE)[1] == 1, timeout=30)
        created = rpc.contacts.create_contact({"first_name": "Crash"})
        assert ledger.wait(timeout=30) == -9  # SIGKILL, after the commit and before the ack
        assert applied_times(ledger_url) == {created["id"]: 1}
        assert queue_state(amqp_uri, CREATED_QUEUE)[0] == 1  # the broker kept the unacked event
        crash_flag.unlink()
        ledger = start_ledger(tmp_path, amqp_uri, ledger_url, crash_flag)
        wait_until(lambda: queue_state(amqp_uri, CREATED_QUEUE) == (0, 1), timeout=30)
        after = rpc.contacts.create_contact({"first_name": "After"})
        wait_until(lambda: after["id"] in applied_times(ledger_url))
        assert applied_times(ledger_url)[created["id"]] == 1
    finally:
        ledger.kill()
        ledger.wait()


def test_a_malformed_event_goes_to_the_dead_letter_queue_while_others_flow(
    contacts_service, run_service, rpc, amqp_uri, ledger_url
):
    run_service(LedgerService, DATABASE_URL=ledger_url)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().basic_publish(
        "contacts.events", "contact.created", json.dumps({"not": "an envelope"}),
        pika.BasicProperties(content_type="application/json", delivery_mode=2),
    )  # fmt: skip
    connection.close()
    good = rpc.contacts.create_contact({"first_name": "Good"})
    wait_until(lambda: good["id"] in applied_times(ledger_url))
    [(headers, body)] = wait_until(lambda: dead_letters(amqp_uri))
    assert body == {"not": "an envelope"}
    assert headers["x-error-type"] == "Invalid" and headers["x-original-queue"] == CREATED_QUEUE
    assert "event_id" in headers["x-error"]


def declared_alike(amqp_uri: str, queue: str, arguments: dict) -> bool:
    """A redeclaration with other arguments than the queue's (its type, say) is refused."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        connection.channel().queue_declare(queue, durable=True, arguments=arguments)
        return True
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_a_handler_that_keeps_failing_dead_letters_after_bounded_retries(
    contacts_service, run_service, rpc, amqp_uri, ledger_url, queue_type
):
    max_attempts = 3
    run_service(LedgerService, DATABASE_URL=ledger_url, EVENT_MAX_ATTEMPTS=max_attempts, EVENT_RETRY_PAUSE=0.05,
                EVENT_QUEUE_TYPE=queue_type)  # fmt: skip
    contact = rpc.contacts.create_contact({"first_name": "Fine"})
    rpc.contacts.update_contact(contact["id"], {"first_name": "poison"})
    rpc.contacts.update_contact(contact["id"], {"first_name": "healthy"})
    wait_until(lambda: f"updated:{contact['id']}:3" in applied_times(ledger_url))
    [(headers, body)] = wait_until(lambda: dead_letters(amqp_uri))
    assert body["data"]["first_name"] == "poison"
    assert headers["x-error-type"] == "RuntimeError" and headers["x-crm-attempts"] == max_attempts
    assert "never succeed" not in json.dumps(headers)  # exception text is withheld, only the type is kept
    if queue_type == "quorum":
        assert declared_alike(amqp_uri, UPDATED_QUEUE, quorum_arguments("ledger"))
        assert declared_alike(amqp_uri, DEAD_LETTERS, {"x-queue-type": "quorum"})
        assert not declared_alike(amqp_uri, UPDATED_QUEUE, {})


def test_an_unknown_event_queue_type_stops_the_service_at_start_naming_the_setting(amqp_uri, ledger_url):
    from nameko.containers import ServiceContainer

    config = {"AMQP_URI": amqp_uri, "DATABASE_URL": ledger_url, "EVENT_QUEUE_TYPE": "quorom"}
    container = ServiceContainer(LedgerService, config)
    try:
        with pytest.raises(ValueError, match="EVENT_QUEUE_TYPE must be one of classic, quorum, not 'quorom'"):
            container.start()
    finally:
        container.kill()
    assert queue_state(amqp_uri, CREATED_QUEUE) == (0, 0)  # nothing consumes its queue
