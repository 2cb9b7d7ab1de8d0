"""``UnitsOfWork.read``: one round trip per read on PostgreSQL, and a dropped connection tried again."""

from __future__ import annotations

import sqlalchemy as sa

from crm_shared.db import make_engine, make_read_engine
from crm_shared.plumbing import plumbing_tables
from crm_shared.unit_of_work import SqlUnitOfWork, UnitsOfWork

TABLES = plumbing_tables(sa.MetaData())


def units_for(url: str) -> tuple[UnitsOfWork[SqlUnitOfWork], list[sa.Engine]]:
    engine, read_engine = make_engine(url), make_read_engine(url)
    engines = [e for e in (engine, read_engine) if e is not None]
    return UnitsOfWork(lambda e: SqlUnitOfWork(e, TABLES), engine, read_engine), engines


def scalar(unit: SqlUnitOfWork, sql: str) -> object:
    return unit.conn.execute(sa.text(sql)).scalar()


def test_each_statement_of_a_postgresql_read_is_its_own_transaction(postgres_server):
    units, engines = units_for(postgres_server)
    try:
        first, second = units.read(lambda u: (scalar(u, "SELECT pg_current_xact_id()"),
                                              scalar(u, "SELECT pg_current_xact_id()")))  # fmt: skip
        with units() as unit:
            in_transaction = {scalar(unit, "SELECT pg_current_xact_id()") for _ in range(2)}
    finally:
        for engine in engines:
            engine.dispose()

    assert first != second
    assert len(in_transaction) == 1


def test_a_read_whose_connection_the_server_dropped_is_tried_once_more(postgres_server):
    units, engines = units_for(postgres_server)
    try:
        dropped = units.read(lambda u: scalar(u, "SELECT pg_backend_pid()"))
        with engines[0].connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})

        renewed = units.read(lambda u: scalar(u, "SELECT pg_backend_pid()"))
    finally:
        for engine in engines:
            engine.dispose()

    assert renewed != dropped


def test_sqlite_reads_on_its_one_engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'read.db'}"
    units, engines = units_for(url)
    try:
        answer = units.read(lambda u: scalar(u, "SELECT 1"))
    finally:
        for engine in engines:
            engine.dispose()

    assert make_read_engine(url) is None
    assert answer == 1


def test_postgresql_reads_start_no_parallel_workers_and_no_jit(postgres_server):
    read_engine = make_read_engine(postgres_server)
    assert read_engine is not None
    try:
        with read_engine.connect() as conn:
            workers = conn.execute(sa.text("SHOW max_parallel_workers_per_gather")).scalar()
            jit = conn.execute(sa.text("SHOW jit")).scalar()
    finally:
        read_engine.dispose()

    assert (workers, jit) == ("0", "off")
