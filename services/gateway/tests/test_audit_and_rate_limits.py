"""Every write through the API is audited (who, what, when, from where), and each key is rate limited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from crm_shared.testing import MigratedDatabases

from .conftest import Api, start_gateway


def audit_entries_since(api: Api, since: str) -> list[dict[str, Any]]:
    response = api.get("/api/v1/audit-log", params={"since": since, "limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_a_write_is_audited_with_its_key_route_status_and_address_but_not_its_body(api: Api) -> None:
    since = datetime.now(UTC).isoformat()
    contact = api.new_contact(first_name="Audrey", last_name="Auditable")
    denied = api.post("/api/v1/contacts", role="readonly", json={"first_name": "Nope"})
    assert denied.status_code == 403

    entries = audit_entries_since(api, since)

    created = [e for e in entries if e["route"] == "create_contact" and e["status"] == 201]
    assert created and created[0]["role"] == "admin" and created[0]["method"] == "POST"
    assert created[0]["client_address"] == "127.0.0.1"
    assert any(e["role"] == "readonly" and e["status"] == 403 for e in entries)
    assert "Auditable" not in str(entries) and contact["id"] not in str(created[0]["path"])


def test_reads_are_not_audited_and_only_an_admin_reads_the_audit_log(api: Api) -> None:
    since = datetime.now(UTC).isoformat()
    api.get("/api/v1/contacts", params={"limit": 1})

    assert audit_entries_since(api, since) == []
    assert api.get("/api/v1/audit-log", role="readonly").status_code == 403


def test_a_key_over_its_rate_gets_429_with_retry_after(
    run_service: Callable[..., Any], migrated_databases: MigratedDatabases
) -> None:
    api = start_gateway(run_service, migrated_databases, "postgresql", RATE_LIMIT_PER_SECOND=0.5, RATE_LIMIT_BURST=2)

    statuses = [api.get("/api/v1/audit-log").status_code for _ in range(3)]

    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    limited = api.get("/api/v1/audit-log")
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert int(limited.headers["Retry-After"]) >= 1
    assert api.get("/api/v1/audit-log", role="readonly").status_code == 403  # another key, its own bucket
