"""Benchmark 1: contacts created per second through the gateway (POST /api/v1/contacts).

Starts the suite on fresh PostgreSQL databases, then, with ``wrk`` (or a Python
thread-pool load generator where ``wrk`` is missing), runs N times each:

* ``GET /health``: the gateway alone, no RPC, no database: the HTTP ceiling;
* ``POST /api/v1/contacts`` with a unique, realistic body per request.

Reports requests/s and latency p50/p90/p99 per run and their medians, the CPU each
component used, and checks that every 201 is a stored contact and that the outbox
relay kept up. Run alone: ``python -m bench.http_create [--duration 15] [--connections 20]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import CpuMeter, Http, Suite, latency_summary, log, median, suite, wait_for_quiet

WRK_DIR = Path(__file__).parent / "wrk"


def wrk_run(
    url: str, script: str, duration: int, connections: int, threads: int, headers: list[str], args: list[str]
) -> dict[str, Any]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    for header in headers:
        command += ["-H", header]
    command += ["-s", str(WRK_DIR / script), url]
    if args:
        command += ["--", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no report: {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    shown = " ".join(f"'{part}'" if " " in part else part for part in command)
    for header in headers:
        if header.startswith("Authorization:"):
            shown = shown.replace(header, "Authorization: Bearer $KEY")
    return {
        "tool": "wrk",
        "command": shown,
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "errors": errors,
        "ok_requests": raw["requests"] - errors["status"],
        "req_per_s": round(raw["requests"] / seconds, 1),
        "ok_per_s": round((raw["requests"] - errors["status"]) / seconds, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
    }


def python_run(
    the_suite: Suite, method: str, path: str, duration: int, connections: int, body: bool, prefix: str
) -> dict[str, Any]:
    """Fallback load generator: one keep-alive connection per thread (GIL-bound, so a lower ceiling)."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    deadline = time.monotonic() + duration

    def worker(number: int) -> None:
        client = the_suite.http(timeout=10.0)
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            payload = None
            if body:
                payload = {
                    "first_name": "Ada",
                    "last_name": f"Lovelace{sent}",
                    "job_title": "Engineer",
                    "emails": [{"address": f"contact.{prefix}.t{number}.{sent}@example.com"}],
                    "phones": [{"number": f"+1 415 {200 + number:03d} {sent % 10000:04d}"}],
                    "tags": ["vip"],
                }
            start = time.perf_counter()
            try:
                status, _ = client.request(method, path, payload)
            except OSError:
                status = 599
            latencies[number].append(time.perf_counter() - start)
            if status >= 400:
                failures[number] += 1
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 30)
    seconds = time.monotonic() - start
    flat = [x for per_thread in latencies for x in per_thread]
    summary = latency_summary(flat)
    failed = sum(failures)
    return {
        "tool": f"python threads x{connections}",
        "command": f"bench.http_create.python_run({method} {path}, c={connections}, d={duration}s)",
        "requests": len(flat),
        "seconds": round(seconds, 2),
        "errors": {"status": failed},
        "ok_requests": len(flat) - failed,
        "req_per_s": round(len(flat) / seconds, 1),
        "ok_per_s": round((len(flat) - failed) / seconds, 1),
        "p50_ms": summary["p50_ms"],
        "p90_ms": summary["p90_ms"],
        "p99_ms": summary["p99_ms"],
        "max_ms": summary["max_ms"],
    }


def load(the_suite: Suite, kind: str, duration: int, connections: int, prefix: str) -> dict[str, Any]:
    auth = f"Authorization: Bearer {the_suite.api_key}"
    if shutil.which("wrk"):
        if kind == "health":
            return wrk_run(f"{the_suite.base_url}/health", "get.lua", duration, connections, 2, [], [])
        return wrk_run(
            f"{the_suite.base_url}/api/v1/contacts",
            "create_contact.lua",
            duration,
            connections,
            2,
            [auth, "Content-Type: application/json"],
            [prefix],
        )
    if kind == "health":
        return python_run(the_suite, "GET", "/health", duration, connections, False, prefix)
    return python_run(the_suite, "POST", "/api/v1/contacts", duration, connections, True, prefix)


def measured(the_suite: Suite, kind: str, duration: int, connections: int, prefix: str) -> dict[str, Any]:
    quiet = wait_for_quiet()
    with CpuMeter(the_suite) as meter:
        result = load(the_suite, kind, duration, connections, prefix)
    result["cpu"] = meter.result
    result["machine_before"] = quiet
    if result["ok_requests"]:
        result["cpu"]["ms_per_ok_request"] = {
            name: round(seconds * 1000 / result["ok_requests"], 2) for name, seconds in meter.used.items()
        }
    log(
        f"{kind}: {result['ok_per_s']} ok req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"errors {result['errors']}, cores {meter.result['cores_used']}"
    )
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": len(runs),
        "median_ok_per_s": round(median([r["ok_per_s"] for r in runs]), 1),
        "median_p50_ms": round(median([r["p50_ms"] for r in runs]), 2),
        "median_p99_ms": round(median([r["p99_ms"] for r in runs]), 2),
        "min_ok_per_s": min(r["ok_per_s"] for r in runs),
        "max_ok_per_s": max(r["ok_per_s"] for r in runs),
    }


def run(duration: int = 15, connections: int = 20, repeat: int = 3, warmup: int = 3) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "http_create",
        "duration_s": duration,
        "connections": connections,
        "repeat": repeat,
        "backend": "postgresql",
    }
    with suite("http") as the_suite:
        run_prefix = uuid.uuid4().hex[:6]
        log(f"warm-up: {warmup}s of POST and GET /health")
        load(the_suite, "create", warmup, connections, f"{run_prefix}w")
        load(the_suite, "health", warmup, connections, "")
        the_suite.wait_outbox_drained(60)
        health = [measured(the_suite, "health", duration, connections, "") for _ in range(repeat)]
        creates = []
        for number in range(repeat):
            before = _contact_count(the_suite)
            run_result = measured(the_suite, "create", duration, connections, f"{run_prefix}r{number}")
            run_result["stored_contacts"] = _contact_count(the_suite) - before
            run_result["outbox_pending_at_end"] = the_suite.pending_events()
            drained = the_suite.wait_outbox_drained(120)
            run_result["outbox_drain_s_after_end"] = None if drained is None else round(drained, 2)
            creates.append(run_result)
        # One sequential client: the latency of a create without queueing.
        result["create_sequential"] = _sequential_creates(the_suite, run_prefix, seconds=min(duration, 10))
        # The same through RPC straight to the contacts service: the gateway's share is the difference.
        result["create_rpc_sequential"] = _sequential_rpc_creates(the_suite, run_prefix, seconds=min(duration, 10))
        result["notes"] = the_suite.notes
    result["health"] = {"summary": summarise(health), "runs": health}
    result["create"] = {"summary": summarise(creates), "runs": creates}
    return result


def _contact_count(the_suite: Suite) -> int:
    engine = the_suite.contacts_engine()
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one()
    engine.dispose()
    return int(count)


def _sequential_creates(the_suite: Suite, prefix: str, seconds: int) -> dict[str, Any]:
    client: Http = the_suite.http()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    number = 0
    while time.monotonic() < deadline:
        number += 1
        body = {
            "first_name": "Grace",
            "last_name": "Hopper",
            "emails": [{"address": f"seq.{prefix}.{number}@example.com"}],
            "phones": [{"number": f"+1 212 300 {number % 10000:04d}"}],
            "tags": ["vip"],
        }
        start = time.perf_counter()
        status, _ = client.request("POST", "/api/v1/contacts", body)
        latencies.append(time.perf_counter() - start)
        if status != 201:
            raise RuntimeError(f"create answered {status}")
    client.close()
    summary = latency_summary(latencies)
    summary["per_s"] = round(len(latencies) / seconds, 1)
    log(f"sequential create: {summary}")
    return summary


def _sequential_rpc_creates(the_suite: Suite, prefix: str, seconds: int) -> dict[str, Any]:
    latencies: list[float] = []
    with the_suite.rpc(timeout=30) as rpc:
        deadline = time.monotonic() + seconds
        number = 0
        while time.monotonic() < deadline:
            number += 1
            fields = {
                "first_name": "Grace",
                "last_name": "Hopper",
                "emails": [{"address": f"rpc.{prefix}.{number}@example.com"}],
                "phones": [{"number": f"+1 212 301 {number % 10000:04d}"}],
                "tags": ["vip"],
            }
            start = time.perf_counter()
            rpc.contacts.create_contact(fields, f"bench:{prefix}:{number}")
            latencies.append(time.perf_counter() - start)
    summary = latency_summary(latencies)
    summary["per_s"] = round(len(latencies) / seconds, 1)
    log(f"sequential create over RPC: {summary}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from bench.harness import write_result

    result = run(args.duration, args.connections, args.repeat)
    print(json.dumps({k: result[k] for k in ("health", "create")}, indent=2))
    log(f"written to {write_result('http_create', result)}")


if __name__ == "__main__":
    main()
