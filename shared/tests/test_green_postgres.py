"""The PostgreSQL driver yields to eventlet: slow queries in green threads overlap."""

from __future__ import annotations

import time

import eventlet
import sqlalchemy as sa

from crm_shared.db import make_engine

CONCURRENT = 20
SLEEP = 0.25


def test_twenty_concurrent_slow_queries_finish_in_about_the_time_of_one(postgres_server):
    engine = make_engine(postgres_server)

    def slow_query(_: int) -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_sleep(:s)"), {"s": SLEEP})

    slow_query(0)  # open the first connection outside the measurement
    pool = eventlet.GreenPool(CONCURRENT)
    started = time.monotonic()
    list(pool.imap(slow_query, range(CONCURRENT)))
    elapsed = time.monotonic() - started
    engine.dispose()
    # Blocking the hub would take CONCURRENT * SLEEP = 5 s; green takes about SLEEP.
    assert elapsed < CONCURRENT * SLEEP / 4, f"queries ran one after another ({elapsed:.2f}s)"
