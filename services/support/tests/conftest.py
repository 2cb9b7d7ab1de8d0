"""Support service tests.

unit/: domain rules (business calendars, SLA clocks, routing rules, the status machine), no I/O.
integration/: handlers over the real unit of work, migrations, on real SQLite and PostgreSQL
(each test runs on both). service/: the nameko service on real RabbitMQ and PostgreSQL,
called over RPC and fed real events. Nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crm_shared.db import make_engine
from crm_shared.testing import MigratedDatabases
from crm_support.adapters.tables import metadata, plumbing
from crm_support.adapters.unit_of_work import SupportUnitOfWork

MIGRATIONS = Path(__file__).parents[1] / "src" / "crm_support" / "migrations"


@pytest.fixture
def support_db(dialect: str, migrated_databases: MigratedDatabases) -> str:
    """A migrated, empty support database on the dialect under test."""
    return migrated_databases.url(dialect, MIGRATIONS, metadata)


@pytest.fixture
def postgres_support_db(migrated_databases: MigratedDatabases) -> str:
    return migrated_databases.url("postgresql", MIGRATIONS, metadata)


@pytest.fixture
def new_uow(support_db: str) -> Iterator[Callable[[], SupportUnitOfWork]]:
    engine = make_engine(support_db)
    yield lambda: SupportUnitOfWork(engine, plumbing, correlation_id="test")
    engine.dispose()
