"""The alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm_contacts.adapters.tables import metadata
from crm_shared.db import make_engine


def test_migrated_schema_matches_the_models(contacts_db):
    engine = make_engine(contacts_db)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []
