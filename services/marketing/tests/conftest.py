"""Marketing service tests.

unit/: domain rules (rendering, tokens, consent, statistics), no I/O. integration/:
handlers through the real unit of work, repositories, segment SQL and migrations on real
SQLite and PostgreSQL (each test runs on both), with incoming events built and validated
exactly as the catalogue delivers them. service/: the nameko service on real RabbitMQ with
a real database, the real contacts service and a real SMTP server on loopback (aiosmtpd).
Nothing is mocked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crm_marketing.adapters.tables import metadata, plumbing
from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.service_layer import audience
from crm_shared.commands import read, run_command
from crm_shared.db import make_engine, utcnow
from crm_shared.events import new_envelope, parse_event
from crm_shared.testing import MigratedDatabases

MIGRATIONS = Path(__file__).parents[1] / "src" / "crm_marketing" / "migrations"


@pytest.fixture
def marketing_db(dialect: str, migrated_databases: MigratedDatabases) -> str:
    """A migrated, empty marketing database on the dialect under test."""
    return migrated_databases.url(dialect, MIGRATIONS, metadata)


@pytest.fixture
def new_uow(marketing_db: str) -> Iterator[Callable[[], MarketingUnitOfWork]]:
    engine = make_engine(marketing_db)
    yield lambda: MarketingUnitOfWork(engine, plumbing, correlation_id="test")
    engine.dispose()


def incoming(event_type: str, data: dict[str, Any], producer: str, aggregate_id: Any, sequence: int) -> Any:
    """An event as a consumer receives it: enveloped, validated and loaded by the catalogue."""
    envelope = new_envelope(
        event_type, data, aggregate_id=str(aggregate_id), sequence=sequence, correlation_id=None, producer=producer
    )
    return parse_event(envelope.to_wire())


def contact(contact_id: uuid.UUID | None = None, **fields: Any) -> dict[str, Any]:
    """A contact as ``contact.created`` carries it."""
    now = utcnow().isoformat()
    base = {
        "id": str(contact_id or uuid.uuid4()), "first_name": "Ada", "last_name": "Lovelace",
        "emails": [{"address": "ada@example.com", "label": "work", "primary": True}], "phones": [],
        "addresses": [], "job_title": None, "account_id": None, "owner": None, "lifecycle_stage": "lead",
        "tags": [], "source": None, "provenance": "manual",
        "marketing": {"demographics": {}, "interests": [], "preferences": {}}, "custom_fields": {},
        "created_at": now, "updated_at": now, "version": 1,
    }  # fmt: skip
    return {**base, **fields}


class Marketing:
    """Drives the handlers as the entrypoints do: one command or one event, one transaction."""

    payload = staticmethod(contact)

    def __init__(self, new_uow: Callable[[], MarketingUnitOfWork]) -> None:
        self.new_uow = new_uow
        self.sequences: dict[tuple[str, str], int] = {}

    def run(self, handler: Any, key: str | None = None, **kwargs: Any) -> Any:
        return run_command(self.new_uow, partial(handler, **kwargs), operation=handler.__name__, idempotency_key=key)

    def read(self, query: Any, **kwargs: Any) -> Any:
        return read(self.new_uow, partial(query, **kwargs))

    def deliver(self, handler: Any, event_type: str, data: dict[str, Any], producer: str, aggregate_id: Any,
                sequence: int | None = None, now: datetime | None = None) -> Any:  # fmt: skip
        slot = (producer, str(aggregate_id))
        self.sequences[slot] = sequence or self.sequences.get(slot, 0) + 1
        envelope, loaded = incoming(event_type, data, producer, aggregate_id, self.sequences[slot])
        with self.new_uow() as uow:
            handler(uow, envelope, loaded, now or utcnow())
        return envelope, loaded

    def contact(self, contact_id: uuid.UUID | None = None, event: str = "contact.created", **fields: Any) -> uuid.UUID:
        data = contact(contact_id, **fields)
        self.deliver(audience.contact_changed, event, data, "contacts", data["id"])
        return uuid.UUID(data["id"])

    def consent(self, contact_id: uuid.UUID, granted: bool, since: datetime | None = None) -> None:
        at = (since or utcnow()).isoformat()
        entry = {"purpose": "email_marketing", "channel": "email", "action": "grant" if granted else "withdraw",
                 "source": "test", "evidence": None, "occurred_at": at, "recorded_at": at}  # fmt: skip
        state = [{"purpose": "email_marketing", "channel": "email", "granted": granted, "since": at}]
        data = {"contact_id": str(contact_id), "change": entry, "state": state}
        self.deliver(audience.consent_changed, "consent.changed", data, "contacts", contact_id)

    def outbox(self, event_type: str | None = None) -> list[dict[str, Any]]:
        with self.new_uow() as uow:
            query = sa.select(plumbing.outbox.c.envelope).order_by(plumbing.outbox.c.id)
            if event_type:
                query = query.where(plumbing.outbox.c.event_type == event_type)
            return [dict(row[0]) for row in uow.conn.execute(query)]

    def draft_campaign(self, contact_ids: list[uuid.UUID], **fields: Any) -> dict[str, Any]:
        """A static list of these contacts and a draft campaign to it (not launched)."""
        from crm_marketing.service_layer import campaigns, segments

        listed = self.run(
            segments.create_segment, fields={"name": "List", "kind": "static", "description": None}, now=utcnow()
        )
        self.run(segments.add_static_members, segment_id=uuid.UUID(listed["id"]), contact_ids=contact_ids, now=utcnow())
        body = {
            "name": "Spring news", "channel": "email", "segment_ids": [uuid.UUID(listed["id"])], "exclude_segment_ids": [],
            "variants": [{"name": "A", "subject": "Hello {{first_name}}",
                          "body": "Dear {{ first_name }},\nsee https://example.com/spring?x=1&y=2 now."}],
            **fields,
        }  # fmt: skip
        return dict(self.run(campaigns.create_campaign, fields=body, now=utcnow(), attribution_days=30))


@pytest.fixture
def marketing(new_uow: Callable[[], MarketingUnitOfWork]) -> Marketing:
    return Marketing(new_uow)


class SmtpSink:
    """The messages the loopback SMTP server accepted, parsed."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory

    def messages(self) -> list[Any]:
        from email import message_from_bytes, policy

        files = sorted(self.directory.glob("*.eml"))
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    def recipients(self) -> list[str]:
        return [str(message["To"]) for message in self.messages()]

    def clear(self) -> None:
        for path in self.directory.glob("*.eml"):
            path.unlink()


@pytest.fixture(scope="session")
def smtp_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpSink]:
    import subprocess
    import sys
    import time

    from crm_shared.testing import free_port

    directory = tmp_path_factory.mktemp("mail")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), str(port), str(directory)]
    )
    deadline = time.monotonic() + 20
    while not (directory / "ready").exists():
        assert time.monotonic() < deadline and process.poll() is None, "the SMTP server did not start"
        time.sleep(0.05)
    yield SmtpSink(port, directory)
    process.terminate()
    process.wait(10)


@pytest.fixture
def mail(smtp_sink: SmtpSink) -> SmtpSink:
    """The loopback SMTP server, emptied for this test."""
    smtp_sink.clear()
    return smtp_sink
