"""The alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm_shared.db import make_engine
from crm_support.adapters.tables import metadata


def test_migrated_schema_matches_the_models(support_db):
    engine = make_engine(support_db)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []
