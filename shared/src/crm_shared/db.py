"""Engines, column types and the metadata conventions every service's tables use."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from crm_shared import jsontext

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> sa.MetaData:
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite, which keeps no zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_type() -> sa.types.TypeEngine[Any]:
    """JSONB on PostgreSQL, JSON text elsewhere."""
    from sqlalchemy.dialects.postgresql import JSONB

    return sa.JSON().with_variant(JSONB(), "postgresql")


def normalise_url(url: str) -> str:
    """Name the driver explicitly: a bare ``postgresql://`` means psycopg 3 in SQLAlchemy 2.1."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg2://" + url[len(bare) :]
    return url


def make_engine(url: str, **overrides: Any) -> Engine:
    """One engine per service process, tuned per dialect.

    SQLite gets one pooled connection: its C calls cannot yield to eventlet, so a
    second writer waiting on the file lock would block the hub while the first
    cannot finish. Waiting on the pool instead is green.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, pool_size=1, max_overflow=0, pool_timeout=60, json_deserializer=jsontext.loads, **overrides
        )
        sa.event.listen(engine, "connect", _tune_sqlite)
        return engine
    # At most 40 connections, all kept once opened: a pool of 10 with 30 overflow closed
    # every connection returned while 10 sat idle, so a busy gateway (50 workers) opened a
    # new PostgreSQL session (a forked backend) for many of its requests.
    options: dict[str, Any] = {
        "pool_size": 40,
        "max_overflow": 0,
        "pool_pre_ping": True,
        "json_deserializer": jsontext.loads,
    }
    options.update(overrides)
    return sa.create_engine(url, **options)


def make_read_engine(url: str) -> Engine | None:
    """PostgreSQL: an engine for single reads outside a transaction, or None where the main one serves.

    A read on the main engine is four round trips: the pool's ping, BEGIN, the SELECT and
    ROLLBACK. Here it is one: autocommit (no BEGIN, and a ROLLBACK the driver need not
    send) and no ping; ``UnitsOfWork.read`` retries once a read whose pooled connection
    had died. Its own pool of 20 is enough for single SELECTs that return at once.

    Such reads never gain from parallel workers or JIT compilation, only wait for them: a
    contact search whose index probe PostgreSQL planned with two workers took 5 ms to
    gather what one backend reads in 1.5.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return None
    options = {"pool_size": 20, "max_overflow": 0, "pool_pre_ping": False, "pool_recycle": 1800}
    settings = {"options": "-c max_parallel_workers_per_gather=0 -c jit=off"}
    return sa.create_engine(
        url, isolation_level="AUTOCOMMIT", connect_args=settings, json_deserializer=jsontext.loads, **options
    )


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_postgres(engine_or_conn: Any) -> bool:
    return bool(engine_or_conn.dialect.name == "postgresql")


COPY_FROM_ROWS = 100


def insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Many rows (each with the same keys) into ``table``, in the connection's transaction.

    From ``COPY_FROM_ROWS`` rows on, PostgreSQL takes them by COPY; fewer, and SQLite, by
    executemany. A CSV import writes about six rows per contact (the contact, its emails,
    phones and tags, a sequence and an outbox row): COPY took 168 µs per imported contact
    where executemany took 316. Each value goes through its column type's bind processing
    first, as an INSERT would send it; a column left out gets its server default, so one
    with a Python-side default must be given.
    """
    if not rows:
        return
    if not is_postgres(conn) or len(rows) < COPY_FROM_ROWS:
        conn.execute(table.insert(), rows)
        return
    columns = [table.c[name] for name in rows[0]]
    if missing := [c.name for c in table.columns if c.default is not None and c.name not in rows[0]]:
        raise ValueError(f"{table.name}: give {', '.join(missing)}; COPY does not apply Python-side defaults")
    processors = [(c.name, c.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)) for c in columns]
    buffer = io.StringIO()
    for row in rows:
        cells = (_copy_cell(row[name] if process is None else process(row[name])) for name, process in processors)
        buffer.write(",".join(cells))
        buffer.write("\n")
    buffer.seek(0)
    quote = conn.dialect.identifier_preparer
    names = ", ".join(quote.quote(c.name) for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with _driver_blocking():
            cursor.copy_expert(f"COPY {quote.format_table(table)} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()


@contextmanager
def _driver_blocking() -> Iterator[None]:
    """psycopg2 refuses COPY while a wait callback is set, as eventlet's monkey-patching does.

    Without it the COPY blocks the process, a greenlet switch cannot happen in between, so
    nothing else uses the driver meanwhile: a batch of 2,000 imported contacts blocks for
    about as long as its validation already does without yielding.
    """
    import psycopg2.extensions

    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        yield
    finally:
        psycopg2.extensions.set_wait_callback(callback)


def _copy_cell(value: Any) -> str:
    """One value as a CSV cell for COPY: an unquoted empty cell is NULL, so all text is quoted."""
    if value is None:
        return ""
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int | float):
        return str(value)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return '"' + text.replace('"', '""') + '"'


def dialect_insert(conn: Any) -> Any:
    """``insert`` of the connection's dialect, with ``on_conflict_do_nothing`` / ``on_conflict_do_update``:
    one statement where a check then an insert would race with a concurrent writer."""
    return postgresql.insert if is_postgres(conn) else sqlite.insert


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached, dropped the connection, or was busy: not the work's fault.

    Operational errors are the server's or the network's (refused, reset, a deadlock
    victim, SQLite's busy file); a pool that had no connection to give is one too.
    """
    if isinstance(error, sa.exc.DBAPIError):
        return bool(error.connection_invalidated) or isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)
    return isinstance(error, sa.exc.TimeoutError)
