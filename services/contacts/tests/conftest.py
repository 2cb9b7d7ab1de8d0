"""Contacts service tests.

unit/: domain and handlers' pure parts, no I/O. integration/: repositories, unit of
work and migrations on real SQLite and PostgreSQL (each test runs on both).
service/: the nameko service on real RabbitMQ and a real database. Nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crm_contacts.adapters.tables import metadata, plumbing
from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork
from crm_shared.db import make_engine
from crm_shared.testing import MigratedDatabases

MIGRATIONS = Path(__file__).parents[1] / "src" / "crm_contacts" / "migrations"


@pytest.fixture
def contacts_db(dialect: str, migrated_databases: MigratedDatabases) -> str:
    """A migrated, empty contacts database on the dialect under test."""
    return migrated_databases.url(dialect, MIGRATIONS, metadata)


@pytest.fixture
def postgres_contacts_db(migrated_databases: MigratedDatabases) -> str:
    return migrated_databases.url("postgresql", MIGRATIONS, metadata)


@pytest.fixture
def new_uow(contacts_db: str) -> Iterator[Callable[[], ContactsUnitOfWork]]:
    engine = make_engine(contacts_db)
    yield lambda: ContactsUnitOfWork(engine, plumbing, correlation_id="test")
    engine.dispose()
