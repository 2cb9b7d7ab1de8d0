"""Webhooks and replays: signed deliveries to a real receiver on loopback, retries, disabling, replay.

Loopback is allowed by config here (``WEBHOOK_ALLOWED_NETWORKS``), as the issue asks of tests;
by default private, loopback and link-local targets are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import amqp
import pytest

from crm_contacts.adapters import tables as contacts_tables
from crm_contacts.entrypoints.service import ContactsService
from crm_shared.publisher import connection_params
from crm_shared.testing import MigratedDatabases

from .conftest import CONTACTS_MIGRATIONS, Api, Containers, eventually, start_gateway


class Receiver:
    """An HTTP server on loopback that records every delivery and answers with ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture(scope="module")
def api(amqp_uri: str, migrated_databases: MigratedDatabases) -> Iterator[Api]:
    containers = Containers(amqp_uri)
    try:
        contacts_db = migrated_databases.url("postgresql", CONTACTS_MIGRATIONS, contacts_tables.metadata)
        containers.start(ContactsService, DATABASE_URL=contacts_db)
        yield start_gateway(
            containers.start,
            migrated_databases,
            "postgresql",
            WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
            WEBHOOK_FIRST_RETRY_SECONDS=0.2,
            WEBHOOK_DISABLE_AFTER_FAILURES=3,
            MAX_BODY_BYTES=1 << 20,
        )
    finally:
        containers.stop_all()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def register(api: Api, url: str, types: list[str]) -> dict[str, Any]:
    response = api.post("/api/v1/webhooks", json={"url": url, "event_types": types})
    assert response.status_code == 201, response.text
    return dict(response.json())


def signatures(headers: dict[str, str]) -> tuple[str, list[str]]:
    parts = [part.split("=", 1) for part in headers["X-CRM-Signature"].split(",")]
    timestamp = next(value for name, value in parts if name == "t")
    return timestamp, [value for name, value in parts if name == "v1"]


def signed_by(secret: str, headers: dict[str, str], body: bytes) -> bool:
    timestamp, given = signatures(headers)
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for value in given)


def test_a_registered_endpoint_gets_each_event_it_asked_for_signed_with_its_secret(
    api: Api, receiver: Receiver
) -> None:
    webhook = register(api, receiver.url, ["contact.created"])
    assert webhook["secret"].startswith("whsec_")
    assert "secret" not in api.get(f"/api/v1/webhooks/{webhook['id']}").json()

    contact = api.new_contact()

    assert eventually(lambda: any(e["data"]["id"] == contact["id"] for e in receiver.events()))
    headers, body = next((h, b) for h, b in receiver.received if json.loads(b)["data"]["id"] == contact["id"])
    assert signed_by(webhook["secret"], headers, body)
    assert headers["X-CRM-Event-Type"] == "contact.created"
    assert not signed_by("whsec_someone-else", headers, body)
    log = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries").json()["items"]
    assert eventually(
        lambda: api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries").json()["items"][0]["state"] == "delivered"
    )
    assert all(d["event_type"] == "contact.created" for d in log)
    api.delete(f"/api/v1/webhooks/{webhook['id']}")


def test_a_failing_endpoint_is_retried_then_disabled_and_a_redelivery_reaches_it_once_fixed(
    api: Api, receiver: Receiver
) -> None:
    receiver.status = 500
    webhook = register(api, receiver.url, ["contact.*"])
    api.new_contact()

    disabled = eventually(lambda: api.get(f"/api/v1/webhooks/{webhook['id']}").json()["state"] == "disabled")

    assert disabled, "the endpoint kept failing but was not disabled"
    assert len(receiver.received) >= 3
    delivery = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries").json()["items"][0]
    assert delivery["attempts"] >= 3 and delivery["last_status"] == 500
    receiver.status = 204
    assert api.post(f"/api/v1/webhooks/{webhook['id']}/enable").json()["state"] == "active"
    redelivered = api.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/redeliver")
    assert redelivered.status_code == 200, redelivered.text

    def delivered() -> bool:
        items = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", params={"state": "delivered"}).json()["items"]
        return any(d["id"] == delivery["id"] for d in items)

    assert eventually(delivered)
    api.delete(f"/api/v1/webhooks/{webhook['id']}")


@pytest.mark.parametrize(
    ("url", "types", "field"),
    [
        ("http://10.1.2.3/hook", ["contact.created"], "url"),
        ("https://169.254.169.254/latest/meta-data", ["contact.created"], "url"),
        ("https://[::1]/hook", ["contact.created"], "url"),
        ("ftp://example.com/hook", ["contact.created"], "url"),
        ("https://user:pw@example.com/hook", ["contact.created"], "url"),
        ("http://127.0.0.1:1/hook", ["contcat.created"], "event_types"),
        ("http://127.0.0.1:1/hook", ["nothing.*"], "event_types"),
    ],
)
def test_private_targets_other_schemes_and_unknown_event_types_are_refused(
    api: Api, url: str, types: list[str], field: str
) -> None:
    response = api.post("/api/v1/webhooks", json={"url": url, "event_types": types})

    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


def test_a_rotated_secret_signs_beside_the_old_one(api: Api, receiver: Receiver) -> None:
    webhook = register(api, receiver.url, ["contact.created"])
    rotated = api.post(f"/api/v1/webhooks/{webhook['id']}/secret").json()
    assert rotated["secret"] != webhook["secret"]

    contact = api.new_contact()

    assert eventually(lambda: any(e["data"]["id"] == contact["id"] for e in receiver.events()))
    headers, body = receiver.received[-1]
    assert signed_by(rotated["secret"], headers, body) and signed_by(webhook["secret"], headers, body)
    assert len(signatures(headers)[1]) == 2
    api.delete(f"/api/v1/webhooks/{webhook['id']}")


def updated_contact(api: Api, titles: tuple[str, ...]) -> dict[str, Any]:
    """A contact changed once per title, after the gateway has logged all the changes."""
    contact = api.new_contact()
    for title in titles:
        api.patch(f"/api/v1/contacts/{contact['id']}", json={"job_title": title})
    shown = eventually(
        lambda: api.get(f"/api/v1/customers/{contact['id']}").json()["contact"]["job_title"] == titles[-1]
    )
    assert shown, "the gateway never received the changes"
    return contact


def test_a_replay_to_a_webhook_delivers_exactly_the_missed_events_in_order(api: Api, receiver: Receiver) -> None:
    since = datetime.now(UTC).isoformat()
    contact = updated_contact(api, ("CTO", "CEO", "Chair"))
    webhook = register(api, receiver.url, ["contact.updated"])

    replayed = api.post(
        "/api/v1/replays", json={"event_types": ["contact.updated"], "since": since, "webhook_id": webhook["id"]}
    )

    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["queued"] >= 3
    assert eventually(lambda: len(receiver.received) >= replayed.json()["queued"])
    mine = [e for e in receiver.events() if e["aggregate_id"] == contact["id"]]
    assert [e["data"]["job_title"] for e in mine] == ["CTO", "CEO", "Chair"]
    assert [e["sequence"] for e in mine] == sorted(e["sequence"] for e in mine)
    api.delete(f"/api/v1/webhooks/{webhook['id']}")


def test_a_replay_to_an_integrator_queue_publishes_the_events_in_order(api: Api, amqp_uri: str) -> None:
    since = datetime.now(UTC).isoformat()
    contact = updated_contact(api, ("One", "Two"))
    queue = f"integrator.test.{uuid.uuid4().hex[:8]}"
    connection = amqp.Connection(**connection_params(amqp_uri))
    connection.connect()
    channel = connection.channel()
    channel.queue_declare(queue, durable=True, auto_delete=False)
    try:
        replayed = api.post(
            "/api/v1/replays", json={"event_types": ["contact.updated"], "since": since, "queue": queue}
        )

        assert replayed.status_code == 202, replayed.text
        bodies = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            bodies.append(json.loads(message.body))
        assert len(bodies) == replayed.json()["queued"]
        assert [b["data"]["job_title"] for b in bodies if b["aggregate_id"] == contact["id"]] == ["One", "Two"]
    finally:
        channel.queue_delete(queue)
        connection.close()


def test_a_replay_names_a_missing_or_foreign_queue(api: Api) -> None:
    since = datetime.now(UTC).isoformat()
    missing = api.post("/api/v1/replays", json={"event_types": ["*"], "since": since, "queue": "integrator.nope.none"})
    foreign = api.post("/api/v1/replays", json={"event_types": ["*"], "since": since, "queue": "rpc-contacts"})
    both = api.post(
        "/api/v1/replays",
        json={"event_types": ["*"], "since": since, "queue": "integrator.x", "webhook_id": str(uuid.uuid4())},
    )

    assert missing.status_code == 422 and "queue" in missing.json()["errors"]
    assert foreign.status_code == 422 and "queue" in foreign.json()["errors"]
    assert both.status_code == 422
