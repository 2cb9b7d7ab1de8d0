"""``insert_rows`` stores exactly what an INSERT would, by COPY on PostgreSQL, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg2.extensions
import pytest
import sqlalchemy as sa

from crm_shared.db import COPY_FROM_ROWS, UTCDateTime, insert_rows, json_type, make_engine

TRICKY = ["", 'say "hi"', "a,b", "line\nbreak", "back\\slash", "NULL", "\\N", "Zürich ✓", " padded "]


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("text", sa.String(50), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("flag", sa.Boolean(), nullable=True),
        sa.Column("document", json_type(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )


def _rows(count: int) -> list[dict[str, object]]:
    start = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)
    return [
        {
            "id": uuid.uuid4(),
            "text": None if i % 10 == 9 else TRICKY[i % len(TRICKY)],
            "number": i,
            "flag": (None, True, False)[i % 3],
            "document": {"n": i, "text": TRICKY[i % len(TRICKY)], "list": [1, None, "x"]} if i % 4 else None,
            "at": start + timedelta(microseconds=i),
        }
        for i in range(count)
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'rows.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_server")
    )
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("count", [3, COPY_FROM_ROWS + 50])
def test_rows_read_back_as_they_were_given(engine, count):
    table = _table(f"rows_{uuid.uuid4().hex[:8]}")
    table.create(engine)
    rows = _rows(count)
    try:
        with engine.begin() as conn:
            insert_rows(conn, table, rows)
        with engine.connect() as conn:
            stored = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.number))]
    finally:
        table.drop(engine)
    assert stored == rows


def test_rows_copied_in_a_transaction_that_fails_are_not_kept(engine):
    table = _table(f"rows_{uuid.uuid4().hex[:8]}")
    table.create(engine)
    try:
        with pytest.raises(RuntimeError), engine.begin() as conn:
            insert_rows(conn, table, _rows(COPY_FROM_ROWS))
            raise RuntimeError("the rest of the work failed")
        with engine.connect() as conn:
            left = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    finally:
        table.drop(engine)
    assert left == 0


def test_the_driver_is_green_again_after_a_copy(postgres_server):
    engine = make_engine(postgres_server)
    table = _table(f"rows_{uuid.uuid4().hex[:8]}")
    table.create(engine)
    callback = psycopg2.extensions.get_wait_callback()
    try:
        with engine.begin() as conn:
            insert_rows(conn, table, _rows(COPY_FROM_ROWS))
    finally:
        table.drop(engine)
        engine.dispose()
    assert callback is not None  # the test process runs monkey-patched, as the services do
    assert psycopg2.extensions.get_wait_callback() is callback
