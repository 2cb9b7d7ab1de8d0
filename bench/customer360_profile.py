"""Where a customer 360 read spends its time: the gateway's own service layer, timed and profiled in process.

``crm_gateway.service_layer.customer_record.customer_record`` runs here on the benchmark's
store with the gateway's engines (``make_engine``, ``make_read_engine``) and units of work; the live
fetch answers ``ServiceUnavailable`` at once, as the open breaker does for marketing. The
stages are timed apart (a unit of work alone, the parts query, the whole read, the JSON
encoding of the answer), and cProfile names the top costs. What the HTTP layer adds
(nameko worker, werkzeug, authentication, rate limit) is ``GET /health``'s cost, measured
in the load windows.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time
import uuid
from typing import Any

from bench.harness import Suite, latency_summary, log


def profile_customer_record(the_suite: Suite, contact_ids: list[str], calls: int) -> dict[str, Any]:
    from crm_gateway.adapters.tables import plumbing
    from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
    from crm_gateway.domain.customer_record import record_json, visible_parts
    from crm_gateway.service_layer import customer_record as record
    from crm_shared.db import make_engine, make_read_engine
    from crm_shared.errors import ServiceUnavailable
    from crm_shared.unit_of_work import UnitsOfWork

    engine, read_engine = make_engine(the_suite.gateway_url), make_read_engine(the_suite.gateway_url)
    units = UnitsOfWork(lambda engine: GatewayUnitOfWork(engine, plumbing), engine, read_engine)

    def fetch_live(wanted: dict[str, Any]) -> dict[str, Any]:
        return {part: ServiceUnavailable("breaker open") for part in wanted}

    rng = random.Random(17)
    ids = [uuid.UUID(rng.choice(contact_ids)) for _ in range(calls)]
    names = [p for p in visible_parts("admin") if p != "account"]

    def read(contact_id: uuid.UUID) -> str:
        return record_json(record.customer_record(units, contact_id, "admin", fetch_live))

    def unit_of_work_only(_: uuid.UUID) -> None:
        units.read(lambda uow: None)

    def parts_query(contact_id: uuid.UUID) -> None:
        units.read(lambda uow: uow.customers.parts_with_account(contact_id, names))

    for contact_id in ids[:50]:  # warm: pool, statement cache
        read(contact_id)
    stages = {
        "a read's unit of work alone (pool checkout, no transaction)": _timed(unit_of_work_only, ids),
        "read: parts_with_account (one SELECT, parts as JSON text)": _timed(parts_query, ids),
        "whole read: customer_record + record_json": _timed(read, ids),
    }
    answers = [record.customer_record(units, contact_id, "admin", fetch_live) for contact_id in ids[:200]]
    stages["record_json of the answer alone"] = _timed(record_json, answers)
    profiler = cProfile.Profile()
    profiler.enable()
    for contact_id in ids:
        read(contact_id)
    profiler.disable()
    plan = _explain(engine, ids[0], names)
    for each in (engine, read_engine):
        if each is not None:
            each.dispose()
    report = {
        "calls": calls,
        "stages_ms": stages,
        "answer_bytes_mean": round(sum(len(record_json(a)) for a in answers) / len(answers)),
        "explain_parts_with_account": plan,
        "cprofile_by_tottime": _top(profiler, "tottime"),
        "cprofile_by_cumulative": _top(profiler, "cumulative"),
    }
    for stage, figures in stages.items():
        log(f"  {figures['p50_ms']:7.3f} ms p50, {figures['mean_ms']:7.3f} ms mean  {stage}")
    return report


def _explain(engine: Any, contact_id: uuid.UUID, names: list[str]) -> list[str]:
    """EXPLAIN ANALYZE of the read's one SELECT, as the repository sends it."""
    import sqlalchemy as sa

    from crm_gateway.adapters.customer_repository import CustomerRecordRepository

    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        sent.append((statement, parameters))

    with engine.connect() as conn:
        sa.event.listen(conn, "after_cursor_execute", record)
        CustomerRecordRepository(conn).parts_with_account(contact_id, names)
        sa.event.remove(conn, "after_cursor_execute", record)
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sent[-1][0], sent[-1][1])
        return [row[0] for row in cursor.fetchall()]


def _timed(step: Any, inputs: list[Any]) -> dict[str, Any]:
    timings = []
    for value in inputs:
        started = time.perf_counter()
        step(value)
        timings.append(time.perf_counter() - started)
    summary = latency_summary(timings)
    return {k: summary[k] for k in ("n", "p50_ms", "p99_ms", "mean_ms")}


def _top(profiler: cProfile.Profile, order: str, lines: int = 25) -> list[str]:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(lines)
    text = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(text) if line.lstrip().startswith("ncalls")), 0)
    return [line.rstrip() for line in text[start:] if line.strip()]
