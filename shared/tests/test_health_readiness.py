"""Health and readiness of a real service (contacts) on real RabbitMQ, SQLite and PostgreSQL.

Nothing is replaced: the service runs in a nameko container with its ``Operations``
dependency, and the probes are plain HTTP requests to the port it opened.
"""

from __future__ import annotations

from typing import Any

import pika
import pytest
import requests
import sqlalchemy as sa

from crm_contacts.adapters.tables import metadata
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE
from crm_shared.db import make_engine
from crm_shared.migrations import upgrade
from crm_shared.runtime.health import check_broker
from crm_shared.runtime.migrate import migrate
from crm_shared.runtime.operations import Operations
from crm_shared.runtime.probe import healthy
from crm_shared.testing import free_port

DEAD_LETTERS = "contacts.dead-letters"


def operations_port(container: Any) -> int:
    provider = next(dep for dep in container.dependencies if isinstance(dep, Operations))
    assert provider.port is not None
    return provider.port


def get(container: Any, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{operations_port(container)}{path}", timeout=10)


def start_contacts(run_service: Any, database_url: str) -> Any:
    return run_service(ContactsService, DATABASE_URL=database_url, HEALTH_ADDRESS="127.0.0.1:0")


def reset_dead_letters(amqp_uri: str, messages: int = 0) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.queue_delete(DEAD_LETTERS)
    channel.queue_declare(DEAD_LETTERS, durable=True)
    for n in range(messages):
        channel.basic_publish("", DEAD_LETTERS, f'{{"n": {n}}}'.encode())
    connection.close()


def test_a_migrated_service_is_alive_and_ready_and_reports_its_backlogs(
    dialect, migrated_databases, run_service, amqp_uri
):
    reset_dead_letters(amqp_uri)
    container = start_contacts(run_service, migrated_databases.url(dialect, SERVICE.migrations, metadata))

    assert get(container, "/health/live").json() == {"status": "alive", "service": "contacts"}
    answer = get(container, "/health/ready")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["broker"] == {"ok": True}
    assert checks["database"]["ok"] and checks["database"]["revision"] == checks["database"]["head"]
    assert checks["outbox"] == {"ok": True, "pending": 0, "lag_seconds": 0.0}
    assert checks["dead_letters"] == {"ok": True, "messages": 0}


def test_a_database_behind_the_code_is_not_ready(tmp_path, run_service, amqp_uri):
    container = start_contacts(run_service, f"sqlite:///{tmp_path / 'never-migrated.db'}")

    answer = get(container, "/health/ready")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["revision"] == []
    assert body["checks"]["database"]["schema"] == "behind"
    assert body["checks"]["broker"]["ok"] is True


def test_a_database_migrated_by_the_next_version_keeps_the_old_replicas_ready(tmp_path, run_service):
    url = f"sqlite:///{tmp_path / 'contacts.db'}"
    upgrade(SERVICE.migrations, url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'from_the_next_version'"))
    engine.dispose()
    container = start_contacts(run_service, url)

    answer = get(container, "/health/ready")

    assert answer.status_code == 200
    assert answer.json()["checks"]["database"]["schema"] == "ahead"


def test_dead_letters_waiting_are_counted(migrated_databases, run_service, amqp_uri):
    reset_dead_letters(amqp_uri, messages=3)
    container = start_contacts(run_service, migrated_databases.url("sqlite", SERVICE.migrations, metadata))

    body = get(container, "/health/ready").json()

    assert body["checks"]["dead_letters"] == {"ok": True, "messages": 3}
    assert body["status"] == "ready", "waiting dead letters are reported, not a reason to stop taking work"
    reset_dead_letters(amqp_uri)


def test_a_broker_that_refuses_connections_fails_the_check_without_its_text():
    answer = check_broker(f"amqp://guest:secret-password@127.0.0.1:{free_port()}/")

    assert answer["ok"] is False
    assert "secret" not in str(answer)


def test_unknown_paths_are_404(migrated_databases, run_service):
    container = start_contacts(run_service, migrated_databases.url("sqlite", SERVICE.migrations, metadata))

    assert get(container, "/nothing-here").status_code == 404


def test_the_migration_command_brings_a_new_database_to_head_and_the_probe_then_passes(
    tmp_path, monkeypatch, run_service
):
    url = f"sqlite:///{tmp_path / 'contacts.db'}"
    monkeypatch.setenv("CONTACTS_DATABASE_URL", url)
    migrate("contacts")
    container = start_contacts(run_service, url)
    monkeypatch.setenv("CONTACTS_HEALTH_ADDRESS", f"127.0.0.1:{operations_port(container)}")

    assert healthy("contacts", "live")
    assert healthy("contacts", "ready")


def test_the_probe_fails_when_nothing_listens(monkeypatch):
    monkeypatch.setenv("CONTACTS_HEALTH_ADDRESS", f"127.0.0.1:{free_port()}")

    assert not healthy("contacts", "live", timeout=2)


def test_the_migration_command_names_an_unknown_service():
    with pytest.raises(SystemExit, match="nonesuch"):
        migrate("nonesuch")
