"""Benchmark: opportunity stage changes per second through the gateway (POST .../stage).

Starts the whole suite (``crm up``) with the sales service on a fresh PostgreSQL
database, creates a pipeline of six stages and ``--deals`` opportunities, then ``--connections`` threads (one keep-alive connection
each) move their own deals to the next stage, round and round, for ``--duration``
seconds. Each move is a full write: version check, stage history row, the
``opportunity.stage_changed`` and ``customer_summary.updated`` events in the outbox.

Reports moves/s and latency p50/p90/p99, and checks that every answered move left one
history row. Run: ``python -m bench.sales_stage_moves [--duration 15] [--connections 20]``.
The Python load generator is GIL-bound, so the figure is a floor.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from typing import Any

import sqlalchemy as sa

from bench.harness import create_database, drop_database, latency_summary, log, machine, suite, write_result
from crm_sales.plugin import SERVICE
from crm_shared.db import make_engine
from crm_shared.migrations import upgrade

STAGES = [{"name": f"Stage {n}", "probability": 10 * n} for n in range(1, 7)]


def _post(client: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, raw = client.request("POST", path, body)
    if status not in (200, 201):
        raise RuntimeError(f"{path} answered {status}: {raw[:300]!r}")
    return dict(json.loads(raw))


def _prepare(the_suite: Any, deals: int) -> tuple[list[str], list[str]]:
    client = the_suite.http()
    pipeline = _post(client, "/api/v1/pipelines", {"name": "Bench", "stages": STAGES})
    ids = []
    for number in range(deals):
        body = {"name": f"Deal {number}", "pipeline_id": pipeline["id"], "contact_id": str(uuid.uuid4()),
                "amount": {"amount": "1000.00", "currency": "EUR"}}  # fmt: skip
        ids.append(_post(client, "/api/v1/opportunities", body)["id"])
    return ids, [stage["id"] for stage in pipeline["stages"]]


def _load(the_suite: Any, ids: list[str], stages: list[str], duration: float, connections: int) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    deadline = time.monotonic() + duration

    def worker(number: int) -> None:
        client = the_suite.http(timeout=10.0)
        mine = ids[number::connections]
        position = dict.fromkeys(mine, 0)
        turn = 0
        while time.monotonic() < deadline:
            deal = mine[turn % len(mine)]
            turn += 1
            position[deal] = (position[deal] + 1) % len(stages)
            started = time.perf_counter()
            status, _ = client.request("POST", f"/api/v1/opportunities/{deal}/stage",
                                       {"stage_id": stages[position[deal]]})  # fmt: skip
            if status == 200:
                latencies[number].append(time.perf_counter() - started)
            else:
                failures[number] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    every = [x for per in latencies for x in per]
    return {"moves": len(every), "failed": sum(failures), "seconds": round(seconds, 2),
            "moves_per_s": round(len(every) / seconds, 1), "latency": latency_summary(every)}  # fmt: skip


def _rpc_moves(amqp_uri: str, ids: list[str], stages: list[str], count: int = 200) -> dict[str, Any]:
    """The same moves straight to the sales service over RPC, one after another: the gateway left out."""
    from nameko.standalone.rpc import ClusterRpcProxy

    import crm_shared.runtime  # noqa: F401

    seconds = []
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as rpc:
        for number in range(count):
            deal = ids[number % len(ids)]
            current = rpc.sales.get_opportunity(deal)["stage_id"]
            target = stages[(stages.index(current) + 1) % len(stages)]
            started = time.perf_counter()
            rpc.sales.move_opportunity(deal, {"stage_id": target})
            seconds.append(time.perf_counter() - started)
    return {"moves": count, "latency": latency_summary(seconds)}


def run(duration: float = 15, connections: int = 20, deals: int = 400) -> dict[str, Any]:
    name = f"crm_bench_sales_moves_{uuid.uuid4().hex[:8]}"
    url = create_database(name)
    try:
        assert SERVICE.migrations is not None
        upgrade(SERVICE.migrations, url)
        with suite("sales-moves", extra_env={"SALES_DATABASE_URL": url}) as the_suite:
            ids, stages = _prepare(the_suite, deals)
            log(f"created {deals} opportunities; moving them for {duration}s with {connections} connections")
            figures = _load(the_suite, ids, stages, duration, connections)
            log(f"{figures['moves_per_s']} moves/s, p99 {figures['latency']}")
            figures["rpc_sequential"] = _rpc_moves(the_suite.amqp_uri, ids, stages)
            log(f"the sales service alone, one caller: {figures['rpc_sequential']}")
        engine = make_engine(url)
        with engine.connect() as conn:
            history = conn.execute(sa.text("SELECT count(*) FROM stage_changes")).scalar_one()
        engine.dispose()
    finally:
        drop_database(name)
    result = {"machine": machine(), "duration": duration, "connections": connections, "deals": deals, **figures,
              "history_rows_beyond_creation": history - deals}  # fmt: skip
    write_result("sales_stage_moves", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--deals", type=int, default=400)
    args = parser.parse_args()
    run(args.duration, args.connections, args.deals)


if __name__ == "__main__":
    main()
