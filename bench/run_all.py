"""Run every benchmark: ``python -m bench.run_all`` from the repository root (``make bench``).

Each benchmark starts its own suite (``crm up`` on fresh PostgreSQL databases and a private
RabbitMQ vhost) and stops and drops it afterwards. Results go to ``bench/results/*.json``
and a summary to ``bench/results/summary.md``; see ``docs/performance.md`` for the figures.

Options: ``--only http,import,profile,search,events,sales,moves,sla,tickets,segments,sends,customer360,webhooks`` to run some; ``--quick`` for a smoke run
with small sizes (its figures are not the reported ones). Nothing here asserts on time:
a missed aim is reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench import (
    csv_import,
    customer360,
    events_pipeline,
    http_create,
    import_profile,
    marketing_segments,
    marketing_sends,
    sales_analytics,
    sales_stage_moves,
    search,
    support_http_create,
    support_sla_scan,
    webhooks,
)
from bench.harness import ROOT, log, machine, write_result

FULL = {
    "http": {"duration": 15, "connections": 20, "repeat": 3},
    "import": {"rows": 100_000, "bad_rows": 100, "rpc_rows": 20_000},
    "profile": {"batches": 5},
    "search": {"contacts": 100_000, "accounts": 1_000, "per_kind": 50, "wrk_seconds": 10},
    "events": {"rate": 500, "seconds": 10, "per_write": 5, "events": 20_000, "batch": 100},
    "sales": {"opportunities": 1_000_000, "lines": 1_000_000, "repeat": 3},
    "moves": {"duration": 15, "connections": 20, "deals": 400},
    "sla": {"tickets_count": 100_000, "due": 500, "repeat": 5},
    "tickets": {"duration": 15, "connections": 20, "repeat": 3},
    "segments": {"contacts": 100_000, "runs": 5},
    "sends": {"contacts": 5_000, "connections": 4},
    "customer360": customer360.FULL,
    "webhooks": {"contacts": 5_000},
}
QUICK = {
    "http": {"duration": 3, "connections": 20, "repeat": 1},
    "import": {"rows": 6_000, "bad_rows": 20, "rpc_rows": 4_000},
    "profile": {"batches": 1},
    "search": {"contacts": 10_000, "accounts": 100, "per_kind": 10, "wrk_seconds": 3},
    "events": {"rate": 500, "seconds": 2, "per_write": 5, "events": 2_000, "batch": 100},
    "sales": {"opportunities": 20_000, "lines": 20_000, "repeat": 1},
    "moves": {"duration": 3, "connections": 20, "deals": 50},
    "sla": {"tickets_count": 5_000, "due": 100, "repeat": 1},
    "tickets": {"duration": 3, "connections": 20, "repeat": 1},
    "segments": {"contacts": 5_000, "runs": 1},
    "sends": {"contacts": 300, "connections": 4},
    "customer360": customer360.QUICK,
    "webhooks": {"contacts": 500},
}
RUNNERS: dict[str, tuple[str, Callable[..., dict[str, Any]]]] = {
    "http": ("http_create", http_create.run),
    "import": ("csv_import", csv_import.run),
    "profile": ("import_profile", import_profile.run),
    "search": ("search", search.run),
    "events": ("events_pipeline", events_pipeline.run),
    "sales": ("sales_analytics", sales_analytics.run),
    "moves": ("sales_stage_moves", sales_stage_moves.run),
    "sla": ("support_sla_scan", support_sla_scan.run),
    "tickets": ("support_http_create", support_http_create.run),
    "segments": ("marketing_segments", marketing_segments.run),
    "sends": ("marketing_sends", marketing_sends.run),
    "customer360": ("customer360", customer360.run),
    "webhooks": ("webhooks", webhooks.run),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the CRM benchmarks.")
    parser.add_argument("--only", default=",".join(RUNNERS), help="comma-separated: " + ", ".join(RUNNERS))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in RUNNERS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    sizes = QUICK if args.quick else FULL
    info = machine()
    log(f"machine: {info}")
    summary: dict[str, Any] = {"machine": info, "quick": args.quick, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    failed = []
    for name in chosen:
        result_name, runner = RUNNERS[name]
        log(f"=== {result_name} {sizes[name]}")
        started = time.monotonic()
        try:
            result = runner(**sizes[name])
        except Exception:  # noqa: BLE001 - report it and go on with the others
            log(f"{result_name} failed:\n{traceback.format_exc()}")
            failed.append(name)
            continue
        result["machine"] = info
        result["parameters"] = sizes[name]
        result["command"] = "python -m bench.run_all" + (" --quick" if args.quick else "") + f" --only {name}"
        result["elapsed_s"] = round(time.monotonic() - started, 1)
        if args.quick:
            result_name += "-quick"
        path = write_result(result_name, result)
        log(f"{result_name} done in {result['elapsed_s']}s; written to {path.relative_to(ROOT)}")
    # The summary covers every benchmark's latest result, also those of earlier (partial) runs.
    for name, (result_name, _) in RUNNERS.items():
        path = ROOT / "bench" / "results" / f"{result_name}{'-quick' if args.quick else ''}.json"
        if path.exists():
            result = json.loads(path.read_text())
            summary[name] = {"run": result.get("command"), **_headline(name, result)}
    summary_path = ROOT / "bench" / "results" / ("summary-quick.md" if args.quick else "summary.md")
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(_markdown(summary))
    print(_markdown(summary))
    if failed:
        log(f"failed: {', '.join(failed)}")
        return 1
    return 0


def _headline(name: str, result: dict[str, Any]) -> dict[str, Any]:
    if name == "http":
        return {
            "health": result["health"]["summary"],
            "create": result["create"]["summary"],
            "create_sequential": result["create_sequential"],
        }
    if name == "import":
        e2e = result["end_to_end"]
        return {
            "rows": result["rows"],
            "end_to_end_rows_per_s": e2e["rows_per_s"],
            "end_to_end_s": e2e["seconds"],
            "cli_output": e2e["cli_output"],
            "outbox_drain_s_after_cli": e2e["outbox_drain_s_after_cli"],
            "rpc_only_rows_per_s": result["rpc_only"]["rows_per_s"],
            "rpc_only_per_call_p50_ms": result["rpc_only"]["per_call"]["p50_ms"],
        }
    if name == "profile":
        return {
            "service_us_per_row": result["current_service_us_per_row"],
            "service_rows_per_s_one_core": result["current_service_rows_per_s_one_core"],
            "per_row_us": result["current_per_row_us"],
            "relay": result["relay"],
        }
    if name == "events":
        keys = ("latency", "throughput", "backlog_drain", "raw_pika_async_confirms", "throughput_share_of_raw_pika")
        return {key: result.get(key) for key in keys}
    if name != "search":
        return dict(result.get("headline") or result.get("summary") or {})
    headline = {
        "rpc_all": result["rpc"]["all"],
        "http_all": result["http"]["all"],
        "rpc_p50_p99_per_kind": {k: [v["p50_ms"], v["p99_ms"]] for k, v in result["rpc"]["per_kind"].items()},
        "http_p50_p99_per_kind": {k: [v["p50_ms"], v["p99_ms"]] for k, v in result["http"]["per_kind"].items()},
        "db_p50_p99_per_kind": {k: [v["db"]["p50_ms"], v["db"]["p99_ms"]] for k, v in result["database"].items()},
    }
    if concurrent := result.get("http_concurrent"):
        headline["http_concurrent"] = {k: concurrent[k] for k in ("command", "ok_per_s", "p50_ms", "p99_ms")}
    return headline


def _markdown(summary: dict[str, Any]) -> str:
    lines = [f"# Benchmark summary ({summary['started']}{', quick' if summary['quick'] else ''})", ""]
    lines.append(f"Machine: `{json.dumps(summary['machine'])}`")
    for name in RUNNERS:
        if name in summary:
            lines += ["", f"## {name}", "", "```json", json.dumps(summary[name], indent=2), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
