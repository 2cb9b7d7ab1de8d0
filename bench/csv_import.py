"""Benchmark 2: CSV import of contacts, rows per second, on PostgreSQL.

1. Generates a realistic CSV (``bench.datagen``; 100,000 rows by default, 0.1% of them bad).
2. End to end: ``crm import contacts FILE --report ERRORS`` as a subprocess against a suite
   started on fresh databases: the CLI's parsing, the RPC batches of 2,000 rows, validation,
   normalisation, duplicate checks, the inserts and the outbox rows, all included.
   Then: how long the outbox relay needs to publish every ``contact.created`` event.
3. The import RPC alone: a further set of rows (disjoint emails and phones), parsed
   beforehand exactly as the CLI parses them, sent with ``contacts.import_contacts`` from
   a ClusterRpcProxy; each call timed.

Run alone: ``python -m bench.csv_import [--rows 100000] [--rpc-rows 20000]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import datagen
from bench.harness import CpuMeter, Suite, latency_summary, log, suite, wait_for_quiet


def run(rows: int = 100_000, bad_rows: int = 100, rpc_rows: int = 20_000) -> dict[str, Any]:
    from crm_cli import contacts_csv

    result: dict[str, Any] = {"benchmark": "csv_import", "rows": rows, "backend": "postgresql"}
    with tempfile.TemporaryDirectory(prefix="crm-bench-csv-") as tmp:
        csv_path = Path(tmp) / "contacts.csv"
        started = time.monotonic()
        result["generated"] = datagen.write_csv(csv_path, rows, bad_rows=bad_rows)
        result["csv_bytes"] = csv_path.stat().st_size
        log(f"generated {rows} rows ({result['csv_bytes'] / 1e6:.1f} MB) in {time.monotonic() - started:.1f}s")
        with suite("import") as the_suite:
            result["end_to_end"] = _end_to_end(the_suite, csv_path, Path(tmp) / "errors.csv")
            result["rpc_only"] = _rpc_only(the_suite, rpc_rows, start=rows + 1_000, tmp=Path(tmp))
            result["notes"] = the_suite.notes
        result["cli_batch_size"] = contacts_csv.BATCH_SIZE
    return result


def _end_to_end(the_suite: Suite, csv_path: Path, report: Path) -> dict[str, Any]:
    command = ["import", "contacts", str(csv_path), "--report", str(report)]
    quiet = wait_for_quiet()
    log(f"end to end: crm {' '.join(command)}")
    with CpuMeter(the_suite) as meter:
        started = time.monotonic()
        done = the_suite.crm(*command, timeout=900)
        seconds = time.monotonic() - started
    pending = the_suite.pending_events()
    drained = the_suite.wait_outbox_drained(timeout=300)
    summary_line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = _counts(the_suite)
    rows = sum(1 for _ in csv_path.open(encoding="utf-8")) - 1
    result = {
        "command": f"crm {' '.join(command)}",
        "exit_code": done.returncode,
        "cli_output": summary_line,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1),
        "stored": counts,
        "outbox_pending_when_cli_returned": pending,
        "outbox_drain_s_after_cli": None if drained is None else round(drained, 2),
        "cpu": meter.result,
        "machine_before": quiet,
    }
    if drained is not None:
        result["rows_per_s_including_event_publication"] = round(rows / (seconds + drained), 1)
    if done.returncode not in (0, 3):
        result["stderr_tail"] = done.stderr[-2000:]
    log(f"end to end: {result['rows_per_s']} rows/s ({seconds:.1f}s), {summary_line}; cores {meter.result}")
    return result


def _rpc_only(the_suite: Suite, count: int, start: int, tmp: Path) -> dict[str, Any]:
    """The contacts service's import RPC, timed per call; the CSV is parsed before the clock starts."""
    from crm_cli import contacts_csv

    csv_path = tmp / "rpc-rows.csv"
    datagen.write_csv(csv_path, count, start=start)
    parse_started = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        batches = list(contacts_csv.read_batches(handle))
    parse_seconds = time.perf_counter() - parse_started
    before = _counts(the_suite)["contacts"]
    timings: list[float] = []
    created = rejected = 0
    quiet = wait_for_quiet()
    log(f"RPC only: {count} rows in {len(batches)} calls of contacts.import_contacts")
    with the_suite.rpc(timeout=300) as rpc, CpuMeter(the_suite) as meter:
        started = time.perf_counter()
        for first, rows in batches:
            call_started = time.perf_counter()
            answer = rpc.contacts.import_contacts(rows, first, f"bench-rpc:{start}:{first}")
            timings.append(time.perf_counter() - call_started)
            created += answer["created"]
            rejected += len(answer["rejected"])
        seconds = time.perf_counter() - started
    drained = the_suite.wait_outbox_drained(timeout=300)
    result = {
        "rows": count,
        "calls": len(batches),
        "rows_per_call": len(batches[0][1]) if batches else 0,
        "created": created,
        "rejected": rejected,
        "contacts_before": before,
        "seconds": round(seconds, 2),
        "rows_per_s": round(count / seconds, 1),
        "per_call": latency_summary(timings),
        "client_csv_parse_rows_per_s": round(count / parse_seconds, 1),
        "outbox_drain_s_after_last_call": None if drained is None else round(drained, 2),
        "cpu": meter.result,
        "machine_before": quiet,
    }
    log(f"RPC only: {result['rows_per_s']} rows/s, per call {result['per_call']}; cores {meter.result}")
    return result


def _counts(the_suite: Suite) -> dict[str, int]:
    engine = the_suite.contacts_engine()
    with engine.connect() as conn:
        counts = {
            table: int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("contacts", "contact_identities", "contact_tags", "outbox", "aggregate_sequences")
        }
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-rows", type=int, default=100)
    parser.add_argument("--rpc-rows", type=int, default=20_000)
    args = parser.parse_args()
    from bench.harness import write_result

    result = run(args.rows, args.bad_rows, args.rpc_rows)
    print(json.dumps(result, indent=2))
    log(f"written to {write_result('csv_import', result)}")


if __name__ == "__main__":
    main()
