"""Benchmark 3: contact search latency over 100,000 contacts on PostgreSQL.

Seeds a suite started on fresh databases with accounts (through the ``create_account``
RPC) and 100,000 contacts (in process, with the service's own ``ContactCreateSchema``,
``new_contact`` and ``ContactRepository.add_many``: the rows are exactly those the service
writes; the import path itself is measured by ``bench.csv_import``), then ``VACUUM
ANALYZE``: a live database's autovacuum does as much after a bulk load (PostgreSQL 13 and
later vacuum on inserts), and this machine's server runs with autovacuum off.

Then, for each kind of query (prefix search by name, email, phone, company; filters; a
second page), N different queries, one at a time:

* at the RPC level: ``contacts.search_contacts`` from a nameko ClusterRpcProxy;
* through HTTP: ``GET /api/v1/contacts?...`` on the gateway, one keep-alive connection;

and the mixed set concurrently through HTTP with wrk. At the database level, the
repository's own search (one statement: the index probe, then the page) is timed per kind, and
``EXPLAIN ANALYZE`` of one query per kind shows what PostgreSQL does with it.
Run alone: ``python -m bench.search [--contacts 100000] [--per-kind 50]``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import datagen
from bench.harness import CpuMeter, Suite, latency_summary, log, suite, wait_for_quiet
from bench.http_create import wrk_run

AIM_P99_MS = 20.0


PARTS = ("rpc", "http", "database")


def run(
    contacts: int = 100_000,
    accounts: int = 1_000,
    per_kind: int = 50,
    wrk_seconds: int = 10,
    parts: tuple[str, ...] = PARTS,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "search",
        "contacts": contacts,
        "accounts": accounts,
        "per_kind": per_kind,
        "backend": "postgresql",
        "page_limit": 50,
    }
    # One API key drives the concurrent mix: without this the gateway's per-key limit
    # (100 requests/s) is what wrk would measure, answering most requests with 429.
    unlimited = {"GATEWAY_RATE_LIMIT_PER_SECOND": "1000000", "GATEWAY_RATE_LIMIT_BURST": "1000000"}
    with suite("search", unlimited) as the_suite:
        seeded = _seed(the_suite, contacts, accounts)
        result["seeding"] = seeded["timing"]
        kinds = _query_kinds(seeded, per_kind + 1)
        _prepare_cursors(the_suite, kinds)
        # One more query of each kind, not measured, warms what a running service has warm:
        # connections, and the statement built and compiled once per set of filters.
        warm_up = [queries.pop() for queries in kinds.values()]
        if "rpc" in parts:
            result["rpc"] = _measure_rpc(the_suite, kinds, warm_up)
        if "http" in parts:
            result["http"] = _measure_http(the_suite, kinds, warm_up)
            if shutil.which("wrk"):
                result["http_concurrent"] = _measure_wrk(the_suite, kinds, wrk_seconds)
        if "database" in parts:
            result["database"] = _explain(the_suite, kinds, warm_up)
        result["notes"] = the_suite.notes
    result["aim_p99_ms"] = AIM_P99_MS
    return result


# ---------------------------------------------------------------- seeding


def _seed(the_suite: Suite, count: int, account_count: int) -> dict[str, Any]:
    from crm_cli.contacts_csv import row_to_contact
    from crm_contacts.adapters.contacts_repository import ContactRepository
    from crm_contacts.domain.model import new_contact
    from crm_shared.contracts.contacts import ContactCreateSchema
    from crm_shared.db import make_engine

    timing: dict[str, Any] = {}
    companies = datagen.companies(account_count)
    account_ids: dict[str, str] = {}
    started = time.monotonic()
    with the_suite.rpc(timeout=60) as rpc:
        for company in companies:
            answer = rpc.contacts.create_account(
                {
                    "name": company.name,
                    "domain": company.domain,
                    "address": {
                        "street": company.street,
                        "city": company.city,
                        "region": company.region,
                        "postal_code": company.postal_code,
                        "country": "US",
                    },
                }
            )
            account_ids[company.name] = answer["id"]
    timing["accounts_via_rpc_s"] = round(time.monotonic() - started, 2)
    log(f"seeded {account_count} accounts through RPC in {timing['accounts_via_rpc_s']}s")

    schema = ContactCreateSchema()
    engine = make_engine(the_suite.contacts_url)
    first_created = datetime.now(UTC) - timedelta(days=730)
    step = timedelta(days=730) / count
    sample: list[dict[str, Any]] = []
    rng = random.Random(5)
    started = time.monotonic()
    batch: list[Any] = []
    for index, flat in enumerate(datagen.flat_rows(count, company_count=account_count)):
        row = row_to_contact(flat)
        company = flat["custom.company"]
        if rng.random() < 0.85:  # most contacts work at a known account
            row["account_id"] = account_ids[company]
        contact = new_contact(schema.load({"provenance": "imported", **row}), first_created + step * index, "US")
        batch.append(contact)
        if rng.random() < 2_000 / count:
            sample.append({"contact": contact, "company": company})
        if len(batch) == 5_000:
            with engine.begin() as conn:
                ContactRepository(conn).add_many(batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            ContactRepository(conn).add_many(batch)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        sizes = conn.execute(
            sa.text(
                "SELECT relname, n_live_tup FROM pg_stat_user_tables "
                "WHERE relname IN ('contacts','contact_identities','contact_tags','accounts')"
            )
        ).all()
    engine.dispose()
    timing["contacts_in_process_s"] = round(time.monotonic() - started, 2)
    timing["rows"] = {name: int(n) for name, n in sizes}
    log(f"seeded {count} contacts in {timing['contacts_in_process_s']}s; {timing['rows']}")
    return {"timing": timing, "sample": sample, "account_ids": account_ids, "companies": companies}


# ---------------------------------------------------------------- the queries


def _query_kinds(seeded: dict[str, Any], per_kind: int) -> dict[str, list[dict[str, Any]]]:
    """Per kind of search, ``per_kind`` different queries built from the seeded data."""
    rng = random.Random(11)
    sample = seeded["sample"]
    names = list(seeded["account_ids"])

    def pick() -> Any:
        return rng.choice(sample)["contact"]

    def email(contact: Any) -> str:
        return str(contact.emails[0]["address"])

    phones = [c["contact"].phones[0]["number"] for c in sample if c["contact"].phones]
    kinds: dict[str, Any] = {
        "name prefix, 3 letters": lambda: {"q": (pick().last_name or "smi")[:3].lower()},
        "last name, whole": lambda: {"q": pick().last_name},
        "full name": lambda: {"q": _full_name(pick())},
        "email, whole local part": lambda: {"q": email(pick()).split("@")[0] + "@"},
        "email prefix, 6 letters": lambda: {"q": email(pick())[:6]},
        "phone, whole (E.164)": lambda: {"q": rng.choice(phones)},
        "phone prefix (+1 and area code)": lambda: {"q": rng.choice(phones)[:5]},
        "company prefix, first word": lambda: {"q": rng.choice(names).split()[0][:6]},
        "company, whole name": lambda: {"q": rng.choice(names)},
        "no match": lambda: {"q": f"zq{rng.randint(0, 10**6)}x"},
        "filter: tag": lambda: {"tag": rng.choice(datagen.TAGS)},
        "filter: lifecycle_stage": lambda: {"lifecycle_stage": rng.choice(datagen.STAGES)},
        "filter: owner": lambda: {"owner": rng.choice(datagen.OWNERS)},
        "filter: account_id": lambda: {"account_id": seeded["account_ids"][rng.choice(names)]},
        "name prefix + lifecycle_stage": lambda: {
            "q": (pick().last_name or "smi")[:3].lower(),
            "lifecycle_stage": rng.choice(("customer", "lead")),
        },
        "no filter, first page": lambda: {},
    }
    built = {kind: [make() for _ in range(per_kind)] for kind, make in kinds.items()}
    built["second page (cursor)"] = [{"tag": rng.choice(datagen.TAGS), "_page": 2} for _ in range(per_kind)]
    return built


def _full_name(contact: Any) -> str:
    return f"{contact.first_name} {contact.last_name}"


def _prepare_cursors(the_suite: Suite, kinds: dict[str, list[dict[str, Any]]]) -> None:
    """Queries marked ``_page: 2`` get the cursor that their first page returns."""
    with the_suite.rpc(timeout=60) as rpc:
        for queries in kinds.values():
            for query in queries:
                if query.pop("_page", None) == 2:
                    first = rpc.contacts.search_contacts(dict(query))
                    query["cursor"] = first["next_cursor"]


def _measure_rpc(
    the_suite: Suite, kinds: dict[str, list[dict[str, Any]]], warm_up: list[dict[str, Any]]
) -> dict[str, Any]:
    per_kind: dict[str, Any] = {}
    everything: list[float] = []
    with the_suite.rpc(timeout=60) as rpc:
        for query in warm_up * 2:
            rpc.contacts.search_contacts(query)
        quiet = wait_for_quiet()
        with CpuMeter(the_suite) as meter:
            for kind, queries in kinds.items():
                timings, hits = [], 0
                for query in queries:
                    started = time.perf_counter()
                    page = rpc.contacts.search_contacts(query)
                    timings.append(time.perf_counter() - started)
                    hits += len(page["items"])
                per_kind[kind] = {**latency_summary(timings), "mean_items": round(hits / len(queries), 1)}
                everything += timings
    _log_table("RPC contacts.search_contacts", per_kind)
    return {"all": latency_summary(everything), "per_kind": per_kind, "cpu": meter.result, "machine_before": quiet}


def _path(query: dict[str, Any]) -> str:
    params = {k: v for k, v in query.items() if v is not None}
    return "/api/v1/contacts" + (f"?{urlencode(params)}" if params else "")


def _measure_http(
    the_suite: Suite, kinds: dict[str, list[dict[str, Any]]], warm_up: list[dict[str, Any]]
) -> dict[str, Any]:
    client = the_suite.http()
    per_kind: dict[str, Any] = {}
    everything: list[float] = []
    for query in warm_up * 2:
        client.request("GET", _path(query))
    quiet = wait_for_quiet()
    with CpuMeter(the_suite) as cpu:
        for kind, queries in kinds.items():
            timings, failures = [], 0
            for query in queries:
                started = time.perf_counter()
                status, _ = client.request("GET", _path(query))
                timings.append(time.perf_counter() - started)
                failures += status != 200
            per_kind[kind] = {**latency_summary(timings), "failures": failures}
            everything += timings
    client.close()
    _log_table(f"HTTP GET /api/v1/contacts (port {the_suite.port})", per_kind)
    return {"all": latency_summary(everything), "per_kind": per_kind, "cpu": cpu.result, "machine_before": quiet}


def _measure_wrk(the_suite: Suite, kinds: dict[str, list[dict[str, Any]]], seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        paths = [_path(q) for queries in kinds.values() for q in queries]
        random.Random(3).shuffle(paths)
        handle.write("\n".join(paths) + "\n")
        paths_file = handle.name
    quiet = wait_for_quiet()
    try:
        with CpuMeter(the_suite) as cpu:
            result = wrk_run(
                f"{the_suite.base_url}/api/v1/contacts",
                "paths.lua",
                seconds,
                10,
                2,
                [f"Authorization: Bearer {the_suite.api_key}"],
                [paths_file],
            )
    finally:
        Path(paths_file).unlink(missing_ok=True)
    result["cpu"] = cpu.result
    result["machine_before"] = quiet
    log(
        f"HTTP concurrent mix (wrk -c10, port {the_suite.port}): {result['ok_per_s']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
    )
    return result


def _explain(
    the_suite: Suite, kinds: dict[str, list[dict[str, Any]]], warm_up: list[dict[str, Any]], per_kind: int = 20
) -> dict[str, Any]:
    """Database only: ``ContactRepository.search`` as the service runs it (one statement),
    up to ``per_kind`` queries of each kind, timed through SQLAlchemy; for a text search, how
    many of them the index probe sends to the primary-key path (all hits read and at most
    ``SELECTIVE_MATCHES`` distinct contacts) or to the ordered scan; and EXPLAIN ANALYZE of
    the statement of the first query of each kind."""
    from crm_contacts.adapters.contacts_repository import (
        ContactRepository,
        probe_statement,
        search_parameters,
    )
    from crm_shared.contracts.contacts import ContactSearchSchema
    from crm_shared.db import make_read_engine

    schema = ContactSearchSchema()
    engine = make_read_engine(the_suite.contacts_url)  # the service's reads run on such an engine
    assert engine is not None
    executed: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        executed.append((statement, parameters))

    def run(conn: Any, query: dict[str, Any]) -> None:
        filters = schema.load(dict(query))
        ContactRepository(conn).search(filters, filters["limit"])

    def path_taken(conn: Any, query: dict[str, Any]) -> bool | None:
        """Whether the probe chooses the primary-key path for this query, None without a probe."""
        filters = schema.load(dict(query))
        if not filters.get("q"):
            return None
        shape, values = search_parameters(filters, filters["limit"])
        return bool(conn.execute(probe_statement(shape, True), values).one()[2])

    def execution_ms(lines: list[str]) -> float | None:
        found = next((line for line in lines if line.startswith("Execution Time")), "")
        return float(found.split(":")[1].split()[0]) if found else None

    sa.event.listen(engine, "after_cursor_execute", record)
    report: dict[str, Any] = {}
    with engine.connect() as conn:
        for query in warm_up:
            run(conn, query)
        for kind, queries in kinds.items():
            timings, probes = [], []
            for query in queries[:per_kind]:
                started = time.perf_counter()
                run(conn, query)
                timings.append(time.perf_counter() - started)
                probes.append(path_taken(conn, query))
            executed.clear()
            run(conn, queries[0])
            cursor = conn.connection.dbapi_connection.cursor()
            plans = []
            for sql, parameters in executed[:1]:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters)
                plans.append([row[0] for row in cursor.fetchall()])
            found = [by_id for by_id in probes if by_id is not None]
            report[kind] = {
                "db": latency_summary(timings),
                "by_primary_key": sum(found) if found else None,
                "ordered_scan": len(found) - sum(found) if found else None,
                "explain_query": queries[0],
                "explain_ms": [execution_ms(plan) for plan in plans],
                "plans": plans,
            }
            conn.rollback()
    engine.dispose()
    log("database only (ContactRepository.search, one statement), p50 / p99 ms, path taken:")
    for kind, item in report.items():
        path = "" if item["by_primary_key"] is None else f"by id {item['by_primary_key']}, scan {item['ordered_scan']}"
        log(f"  {item['db']['p50_ms']:8.2f} {item['db']['p99_ms']:8.2f}  {kind}  {path}")
    return report


def _log_table(title: str, per_kind: dict[str, Any]) -> None:
    log(f"{title}: p50 / p99 ms per kind of query")
    for kind, summary in per_kind.items():
        flag = "" if summary["p99_ms"] <= AIM_P99_MS else "   <- p99 over 20 ms"
        log(f"  {summary['p50_ms']:8.2f} {summary['p99_ms']:8.2f}  {kind}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--per-kind", type=int, default=50)
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    args = parser.parse_args()
    from bench.harness import write_result

    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    result = run(args.contacts, args.accounts, args.per_kind, parts=parts)
    print(json.dumps({k: result[k]["all"] for k in ("rpc", "http") if k in result}, indent=2))
    log(f"written to {write_result('search', result)}")


if __name__ == "__main__":
    main()
