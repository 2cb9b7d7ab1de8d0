"""Benchmark: support tickets created per second through the gateway (POST /api/v1/tickets).

Starts the whole suite (``crm up``) on fresh PostgreSQL databases, the support service's
included, and drives POST /api/v1/tickets from N keep-alive client threads, each ticket a
unique, realistic body (routing rules and an SLA policy are configured first, so every
create evaluates rules and computes due times). Reports the median of the runs and checks
that every 201 is a stored ticket.

Run: ``python -m bench.support_http_create [--duration 15] [--connections 20] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from typing import Any

import sqlalchemy as sa

from bench.harness import (
    CpuMeter,
    create_database,
    drop_database,
    latency_summary,
    log,
    machine,
    median,
    suite,
    wait_for_quiet,
    write_result,
)

SUBJECTS = ("Cannot log in", "Refund for order", "Invoice is wrong", "Outage in region eu-west", "How do I export?")


def configure(the_suite: Any) -> None:
    client = the_suite.http()
    for priority, first, resolution in (("normal", 240, 2400), ("high", 60, 960), ("urgent", 15, 240)):
        status, body = client.request("POST", "/api/v1/support/sla-policies", {
            "name": priority, "priority": priority, "first_response_minutes": first,
            "resolution_minutes": resolution})  # fmt: skip
        assert status == 201, body
    for position, word, priority in ((1, "outage", "urgent"), (2, "refund", "high")):
        status, body = client.request("POST", "/api/v1/support/rules", {
            "name": word, "position": position, "actions": {"priority": priority, "team": word},
            "conditions": {"field": "text", "operator": "contains", "value": word}})  # fmt: skip
        assert status == 201, body
    client.close()


def drive(the_suite: Any, duration: int, connections: int) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    deadline = time.monotonic() + duration

    def worker(number: int) -> None:
        client = the_suite.http(timeout=10.0)
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            body = {"contact_id": str(uuid.uuid4()), "subject": SUBJECTS[sent % len(SUBJECTS)],
                    "description": "Since this morning the page shows an error.", "channel": "web",
                    "tags": ["bench"], "requester": {"name": "Ada Lovelace", "email": "ada@example.com"}}  # fmt: skip
            start = time.perf_counter()
            try:
                status, _ = client.request("POST", "/api/v1/tickets", body)
            except OSError:
                status = 599
            latencies[number].append(time.perf_counter() - start)
            failures[number] += status != 201
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 30)
    seconds = time.monotonic() - started
    flat = [x for per_thread in latencies for x in per_thread]
    ok = len(flat) - sum(failures)
    return {"requests": len(flat), "ok_requests": ok, "seconds": round(seconds, 2),
            "ok_per_s": round(ok / seconds, 1), **latency_summary(flat)}  # fmt: skip


def stored_tickets(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar_one())
    finally:
        engine.dispose()


def run(duration: int = 15, connections: int = 20, repeat: int = 3) -> dict[str, Any]:
    name = f"crm_bench_support_{uuid.uuid4().hex[:6]}"
    support_url = create_database(name)
    runs = []
    try:
        with suite("support", {"SUPPORT_DATABASE_URL": support_url}) as the_suite:
            configure(the_suite)
            drive(the_suite, 3, connections)  # warm-up
            for _ in range(repeat):
                quiet = wait_for_quiet()
                before = stored_tickets(support_url)
                with CpuMeter(the_suite) as meter:
                    result = drive(the_suite, duration, connections)
                result["stored"] = stored_tickets(support_url) - before
                result["cpu"] = meter.result
                result["machine_before"] = quiet
                log(f"tickets: {result['ok_per_s']}/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
                runs.append(result)
    finally:
        drop_database(name)
    return {
        "benchmark": "support_http_create",
        "machine": machine(),
        "command": f"python -m bench.support_http_create --duration {duration} --connections {connections} "
        f"--repeat {repeat}",
        "median_ok_per_s": median([r["ok_per_s"] for r in runs]),
        "median_p50_ms": median([r["p50_ms"] for r in runs]),
        "median_p99_ms": median([r["p99_ms"] for r in runs]),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = run(args.duration, args.connections, args.repeat)
    log(f"median {result['median_ok_per_s']} tickets/s, p99 {result['median_p99_ms']} ms")
    log(f"written to {write_result('support_http_create', result)}")


if __name__ == "__main__":
    main()
