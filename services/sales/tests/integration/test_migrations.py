"""The alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm_sales.adapters.tables import metadata
from crm_shared.db import make_engine


def test_migrated_schema_matches_the_models(sales_db):
    engine = make_engine(sales_db)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []
