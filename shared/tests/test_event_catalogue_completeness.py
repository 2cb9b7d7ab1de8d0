"""Nothing reaches an outbox that the catalogue does not declare: event types and fields at any depth."""

from __future__ import annotations

import copy
import uuid

import pytest

from crm_shared.asyncapi import asyncapi_document
from crm_shared.asyncapi.completeness import undeclared, watch_outboxes
from crm_shared.db import make_engine, new_metadata, utcnow
from crm_shared.envelope import Envelope
from crm_shared.plumbing import plumbing_tables
from crm_shared.unit_of_work import SqlUnitOfWork

MESSAGES = asyncapi_document()["components"]["messages"]
CREATED = "contacts.contact.created.v1"


def example(key: str = CREATED) -> dict:
    return copy.deepcopy(MESSAGES[key]["examples"][0]["payload"])


def test_every_example_is_fully_declared():
    assert [p for key in MESSAGES for p in undeclared(example(key))] == []


def test_an_undeclared_field_is_named_at_any_depth():
    event = example()
    event["data"]["nickname"] = "Ada"
    event["data"]["emails"][0]["verified"] = True
    event["data"]["marketing"]["score"] = 3
    event["trace"] = "x"

    assert sorted(undeclared(event)) == [
        f"{CREATED}: field {path} not in the catalogue"
        for path in ("data.emails[].verified", "data.marketing.score", "data.nickname", "trace")
    ]


def test_free_form_maps_declared_as_such_accept_any_key():
    event = example()
    event["data"]["custom_fields"] = {"shoe_size": 44}
    assert undeclared(event) == []


def test_an_unknown_type_version_or_producer_is_named():
    assert undeclared({**example(), "type": "contact.renamed"}) == [
        "contacts.contact.renamed.v1: event type not in the catalogue"
    ]
    assert undeclared({**example(), "schema_version": 9})[0].startswith("contacts.contact.created.v9:")
    assert undeclared({**example(), "producer": "billing"})[0].startswith("billing.contact.created.v1:")


@pytest.fixture
def outbox_engine(dialect, tmp_path, new_postgres_database):
    url = f"sqlite:///{tmp_path / 'outbox.db'}" if dialect == "sqlite" else new_postgres_database("catalogue")
    metadata = new_metadata()
    tables = plumbing_tables(metadata)
    engine = make_engine(url)
    metadata.create_all(engine)
    yield engine, tables
    engine.dispose()


def test_the_outbox_watch_passes_events_written_through_the_unit_of_work(outbox_engine):
    engine, tables = outbox_engine
    with watch_outboxes() as watch, SqlUnitOfWork(engine, tables) as uow:
        uow.publish("contact.erased", {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00"}, "a")
        uow.commit()
    assert (watch.checked, watch.problems) == (1, [])


@pytest.mark.writes_undeclared_events
def test_the_outbox_watch_names_what_a_bulk_writer_added_beside_the_catalogue(outbox_engine):
    engine, tables = outbox_engine
    data = {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00", "reason": "asked"}
    envelope = Envelope(uuid.uuid4(), "contact.erased", 1, utcnow(), "contacts", None, "a", 1, data)
    with watch_outboxes() as watch, SqlUnitOfWork(engine, tables) as uow:
        uow.write_envelopes([envelope, Envelope(**{**envelope.__dict__, "event_id": uuid.uuid4(), "type": "x.y"})])
        uow.commit()
    assert watch.problems == [
        "contacts.contact.erased.v1: field data.reason not in the catalogue",
        "contacts.x.y.v1: event type not in the catalogue",
    ]


def test_the_check_outbox_command_reads_a_database(outbox_engine, capsys):
    from crm_shared.asyncapi.__main__ import main

    engine, tables = outbox_engine
    with SqlUnitOfWork(engine, tables) as uow:
        uow.publish("contact.erased", {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00"}, "a")
        uow.commit()
    assert main(["--check-outbox", engine.url.render_as_string(hide_password=False)]) == 0
    assert "every event in the outbox is in the catalogue" in capsys.readouterr().out


UNDECLARED_WRITER = """
import uuid
from crm_shared.db import make_engine, new_metadata, utcnow
from crm_shared.envelope import Envelope
from crm_shared.plumbing import plumbing_tables
from crm_shared.unit_of_work import SqlUnitOfWork


def test_writes_an_undeclared_field(tmp_path):
    metadata = new_metadata()
    tables = plumbing_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    metadata.create_all(engine)
    data = {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00", "reason": "asked"}
    envelope = Envelope(uuid.uuid4(), "contact.erased", 1, utcnow(), "contacts", None, "a", 1, data)
    with SqlUnitOfWork(engine, tables) as uow:
        uow.write_envelopes([envelope])
        uow.commit()


def test_writes_nothing():
    pass
"""


def test_the_pytest_plugin_fails_the_test_that_wrote_an_undeclared_event(tmp_path):
    import subprocess
    import sys

    (tmp_path / "test_producer.py").write_text(UNDECLARED_WRITER)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        "/dev/null",
        "--rootdir",
        str(tmp_path),
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    done = subprocess.run(
        [*command, "-p", "crm_shared.asyncapi.pytest_plugin", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "contacts.contact.erased.v1: field data.reason not in the catalogue" in done.stdout
