"""The support API through the gateway: tickets, conversation, status moves, CSAT, rules and SLAs.

The contacts and support services and the gateway run on PostgreSQL and the session's
RabbitMQ vhost, shared by the tests of this module (each test makes its own records).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from crm_shared.testing import MigratedDatabases
from crm_support.adapters import tables as support_tables
from crm_support.entrypoints.service import SupportService
from crm_support.plugin import SERVICE as SUPPORT_PLUGIN

from .conftest import Api, Containers, eventually, start_stack

TICKETS = "/api/v1/tickets"
RULES = "/api/v1/support/rules"


@pytest.fixture(scope="module")
def support_api(amqp_uri: str, migrated_databases: MigratedDatabases) -> Iterator[Api]:
    containers = Containers(amqp_uri)
    try:
        support_db = migrated_databases.url("postgresql", SUPPORT_PLUGIN.migrations, support_tables.metadata)
        containers.start(SupportService, DATABASE_URL=support_db, SLA_SCAN_INTERVAL_SECONDS=1)
        client = start_stack(containers.start, migrated_databases, "postgresql")
        yield client
        client.session.close()
    finally:
        containers.stop_all()


def new_ticket(api: Api, **fields) -> dict:
    body = {"contact_id": str(uuid.uuid4()), "subject": "Cannot log in", "channel": "web", **fields}
    response = api.post(TICKETS, role="support", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_created_ticket_is_answered_201_with_location_and_etag(support_api):
    response = support_api.post(TICKETS, role="support", json={"contact_id": str(uuid.uuid4()), "subject": "Help",
                                                               "channel": "email", "priority": "high"})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == f"{TICKETS}/{body['id']}" and response.headers["ETag"] == '"1"'
    assert body["status"] == "new" and body["priority"] == "high" and body["sla"]["state"] == "on_track"
    assert support_api.get(f"{TICKETS}/{body['id']}", role="readonly").json() == body


def test_a_patch_needs_the_current_etag(support_api):
    ticket = new_ticket(support_api)
    url = f"{TICKETS}/{ticket['id']}"
    stale = support_api.patch(url, role="support", json={"subject": "New"}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    fresh = support_api.patch(url, role="support", json={"subject": "New"}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.headers["ETag"] == '"2"' and fresh.json()["subject"] == "New"


def test_an_illegal_status_move_is_422_naming_the_status(support_api):
    ticket = new_ticket(support_api)
    url = f"{TICKETS}/{ticket['id']}/status"
    assert support_api.post(url, role="support", json={"status": "solved"}).status_code == 200
    assert support_api.post(url, role="support", json={"status": "closed"}).status_code == 200
    refused = support_api.post(url, role="support", json={"status": "pending"})
    assert refused.status_code == 422 and "status" in refused.json()["errors"]
    unknown = support_api.post(url, role="support", json={"status": "finished"})
    assert unknown.status_code == 422 and "status" in unknown.json()["errors"]


def test_replies_notes_and_history(support_api):
    ticket = new_ticket(support_api)
    url = f"{TICKETS}/{ticket['id']}"
    reply = support_api.post(f"{url}/replies", role="support", json={"body": "Try again now", "author": "ann"})
    note = support_api.post(f"{url}/notes", role="support", json={"body": "Reset the password", "author": "ann"})
    assert reply.status_code == 201 and note.status_code == 201
    replies = support_api.get(f"{url}/replies", role="support").json()["items"]
    everything = support_api.get(f"{url}/messages", role="support").json()["items"]
    assert [m["body"] for m in replies] == ["Try again now"] and len(everything) == 2
    assert support_api.get(url, role="support").json()["status"] == "open"
    history = support_api.get(f"{url}/history", role="support").json()["items"]
    assert [h["action"] for h in history] == ["created", "replied", "noted"]


def test_csat_once_after_solving(support_api):
    ticket = new_ticket(support_api)
    url = f"{TICKETS}/{ticket['id']}"
    assert support_api.post(f"{url}/csat", role="support", json={"score": 5}).status_code == 422
    support_api.post(f"{url}/status", role="support", json={"status": "solved"})
    out_of_range = support_api.post(f"{url}/csat", role="support", json={"score": 0})
    assert out_of_range.status_code == 422 and "score" in out_of_range.json()["errors"]
    assert support_api.post(f"{url}/csat", role="support", json={"score": 4, "comment": "Quick"}).status_code == 201
    assert support_api.post(f"{url}/csat", role="support", json={"score": 5}).status_code == 409


def test_an_unparseable_rule_is_422_naming_the_place(support_api):
    bad = {"name": "x", "actions": {"team": "t"}, "conditions": {"all": [{"field": "mood", "operator": "equals",
                                                                           "value": "angry"}]}}  # fmt: skip
    response = support_api.post(RULES, role="support", json=bad)
    assert response.status_code == 422 and list(response.json()["errors"]) == ["conditions.all.0.field"]


def test_a_rule_and_an_sla_policy_apply_to_new_tickets(support_api):
    word = f"zz{uuid.uuid4().hex[:8]}"
    rule = support_api.post(RULES, role="support", json={
        "name": f"Route {word}", "position": 0, "actions": {"team": "tier2", "priority": "urgent"},
        "conditions": {"field": "subject", "operator": "contains", "value": word}})  # fmt: skip
    assert rule.status_code == 201, rule.text
    calendar = support_api.post("/api/v1/support/calendars", role="support", json={
        "name": "Round the clock", "timezone": "Europe/Paris",
        "hours": {d: [{"start": "00:00", "end": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})  # fmt: skip
    assert calendar.status_code == 201, calendar.text
    policy = support_api.post("/api/v1/support/sla-policies", role="support", json={
        "name": "Urgent", "priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 240,
        "calendar_id": calendar.json()["id"]})  # fmt: skip
    assert policy.status_code in (201, 409), policy.text
    ticket = new_ticket(support_api, subject=f"Help {word}")
    assert ticket["team"] == "tier2" and ticket["priority"] == "urgent"
    assert ticket["fired_rule"]["id"] == rule.json()["id"]
    assert ticket["sla"]["first_response_due_at"] and ticket["sla"]["resolution_due_at"]
    listed = support_api.get(RULES, role="support", params={"limit": 500}).json()["items"]
    assert rule.json()["id"] in {r["id"] for r in listed}
    off = support_api.patch(f"{RULES}/{rule.json()['id']}", role="support", json={"active": False},
                            headers={"If-Match": '"1"'})  # fmt: skip
    assert off.status_code == 200 and off.json()["active"] is False


def test_the_customer_summary_and_roles(support_api):
    contact = support_api.new_contact()["id"]
    new_ticket(support_api, contact_id=contact)

    def support_part() -> Any:  # the customer 360 keeps it from support's events
        part = support_api.get(f"/api/v1/customers/{contact}", role="readonly").json().get("support") or {}
        return part if part.get("ticket_count") == 1 else None

    assert eventually(support_part)
    assert "support" not in support_api.get(f"/api/v1/customers/{contact}", role="sales").json()
    assert support_api.post(TICKETS, role="sales", json={}).status_code == 403
    assert support_api.get(f"/api/v1/contacts/{contact}/pii-inventory", role="support").status_code == 403
    inventory = support_api.get(f"/api/v1/contacts/{contact}/pii-inventory", role="admin").json()
    assert inventory["services"]["support"]["tickets"] == 1, inventory


def test_the_support_endpoints_are_in_the_openapi_document(support_api):
    paths = support_api.get("/openapi.json", role=None).json()["paths"]
    assert {"/api/v1/tickets", "/api/v1/tickets/{ticket_id}/status", "/api/v1/support/rules"} <= set(paths)


def test_a_new_ticket_shows_in_the_customer_record(support_api):
    contact = support_api.new_contact()
    ticket = new_ticket(support_api, contact_id=contact["id"], priority="high")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        record = support_api.get(f"/api/v1/customers/{contact['id']}", role="support").json()
        if record.get("support", {}) and record["support"]["ticket_count"] == 1:
            break
        time.sleep(0.2)
    assert [t["id"] for t in record["support"]["open_tickets"]] == [ticket["id"]]
    assert record["support"]["open_tickets"][0]["priority"] == "high"
