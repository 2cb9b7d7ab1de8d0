"""The stored record keeps the newest part even when two writers read the old one at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Connection

from crm_gateway.adapters import tables as gateway_tables
from crm_gateway.adapters.customer_repository import CustomerRecordRepository
from crm_gateway.domain.customer_record import StoredPart
from crm_gateway.plugin import SERVICE as GATEWAY_PLUGIN
from crm_shared.db import make_engine, utcnow
from crm_shared.testing import MigratedDatabases


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, migrated_databases: MigratedDatabases) -> Iterator[Connection]:
    url = migrated_databases.url(request.param, GATEWAY_PLUGIN.migrations, gateway_tables.metadata)
    engine = make_engine(url)
    with engine.begin() as conn:
        yield conn
    engine.dispose()


def part(version: int, sequence: int) -> StoredPart:
    return StoredPart({"version": version}, sequence, utcnow())


def test_an_older_part_written_after_a_newer_one_changes_nothing(store: Connection) -> None:
    customers, contact_id = CustomerRecordRepository(store), uuid.uuid4()

    customers.put_part(contact_id, "sales", part(6, sequence=6))
    customers.put_part(contact_id, "sales", part(5, sequence=5))  # its writer had read the part before 6

    assert customers.parts(contact_id, ["sales"])["sales"].data == {"version": 6}


def test_a_live_fill_gives_way_to_an_event_stored_meanwhile_and_fills_a_stale_part(store: Connection) -> None:
    customers, contact_id, stale_id = CustomerRecordRepository(store), uuid.uuid4(), uuid.uuid4()
    customers.put_part(contact_id, "support", part(3, sequence=3))
    customers.put_part(stale_id, "support", part(3, sequence=3))
    customers.mark_stale(stale_id)

    customers.put_part(contact_id, "support", part(0, sequence=0))  # what a live fetch that began earlier writes
    customers.fill_part(stale_id, "support", part(4, sequence=0), None)

    assert customers.parts(contact_id, ["support"])["support"].data == {"version": 3}
    filled = customers.parts(stale_id, ["support"])["support"]
    assert (filled.data, filled.sequence) == ({"version": 4}, 3)


def test_an_older_account_written_after_a_newer_one_changes_nothing(store: Connection) -> None:
    customers, account_id = CustomerRecordRepository(store), uuid.uuid4()

    customers.put_account(account_id, part(2, sequence=2))
    customers.put_account(account_id, part(1, sequence=1))

    account = customers.account(account_id)
    assert account is not None and account.data == {"version": 2}
