"""Benchmark: the customer 360 (``GET /api/v1/customers/{id}``) at 50 clients, next to the trivial endpoint.

On a suite started on fresh databases, ``bench.customer360_data`` writes 100,000 contacts
(1,000 accounts) to the contacts service and their whole record (contact, consents, sales
and support summaries, ~10 timeline entries each) to the gateway's store, then ANALYZE.
Then, in one run, with wrk (``-t2 -c50``, random contact ids of the data set through
``bench/wrk/customer_ids.lua``), ``repeat`` rounds of ``duration`` seconds of each of:

* ``GET /health`` on the gateway (the trivial endpoint);
* ``GET /api/v1/customers/{id}`` (admin: every part; every part is stored, marketing's only
  when a marketing service is installed: without one, ``marketing`` is always in
  ``unavailable``, its live call failing and the breaker then skipping it);
* ``GET /api/v1/contacts/{id}`` (one RPC to the contacts service);
* ``GET /contacts/{id}`` on ``bench.bare_rpc_gateway``, a bare nameko endpoint making the
  same RPC, on its own port, against the same contacts service.

Each client holds its own admin key (one per wrk connection, taken in turn), as separate
client apps would, so that the per-key rate limit (100/s) is not what is measured.
Then the freshness under load: while the 360 load runs again, ``writes`` changes of a
contact's ``job_title`` through ``PATCH /api/v1/contacts/{id}`` (with ``If-Match``), each
followed by polling the record every ~5 ms until it shows the change. The lag is counted
from the write in the contacts service (the ``updated_at`` it answers with, same clock) to
the answer that shows it, which includes that answer's own wait under load; the lag from
sending the request, which adds the PATCH's queueing in the gateway, is reported too. Last, an in-process
cProfile of the 360's service layer on the same store. CPU per component per window;
nothing asserts on time. Run alone: ``python -m bench.customer360 [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench import bare_rpc_gateway, customer360_data
from bench.customer360_load import ENDPOINTS, freshness_under_load, measured_window, summarise
from bench.customer360_profile import profile_customer_record
from bench.harness import HOST, free_port, log, machine, suite, write_result

AIM_FRACTION_OF_HEALTH = 1 / 3
AIM_P99_MS = 100.0
AIM_FRESHNESS_P99_S = 1.0
AIM_FRACTION_OF_BARE_RPC = 0.8
FULL = {
    "contacts": 100_000, "accounts": 1_000, "timeline_per_contact": 10, "duration": 15, "repeat": 3,
    "connections": 50, "warmup": 5, "writes": 200, "profile_calls": 2_000,
}  # fmt: skip
QUICK = {
    "contacts": 5_000, "accounts": 100, "timeline_per_contact": 10, "duration": 3, "repeat": 1,
    "connections": 50, "warmup": 2, "writes": 30, "profile_calls": 300,
}  # fmt: skip


def run(
    contacts: int = 100_000,
    accounts: int = 1_000,
    timeline_per_contact: int = 10,
    duration: int = 15,
    repeat: int = 3,
    connections: int = 50,
    warmup: int = 5,
    writes: int = 200,
    profile_calls: int = 2_000,
) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("this benchmark needs wrk")
    customer360_data.check_shapes()
    result: dict[str, Any] = {"benchmark": "customer360", "backend": "postgresql", "contacts": contacts}
    with suite("c360") as the_suite:
        seeded = customer360_data.seed(the_suite, contacts, accounts, timeline_per_contact)
        result["seeding"] = seeded["timing"]
        if the_suite.process.poll() is not None:
            raise RuntimeError(f"crm up stopped while the data was written; see {the_suite.log_path}")
        files = _client_files(the_suite.workdir, seeded["contact_ids"], _create_keys(the_suite, connections + 8))
        bare_port = free_port()
        with bare_rpc_gateway.start(the_suite.amqp_uri, f"{HOST}:{bare_port}", the_suite.workdir) as bare:
            bare_rpc_gateway.wait_until_serving(bare_port, seeded["contact_ids"][0])
            targets = {"bare_rpc": bare_port, "gateway": the_suite.port}
            result["sample_record"] = _sample(the_suite, seeded["contact_ids"][1])
            for endpoint in ENDPOINTS:  # warm-up: connections, caches, the marketing breaker
                measured_window(the_suite, bare.pid, endpoint, targets, files, warmup, connections, quiet=False)
            rounds = [
                {e: measured_window(the_suite, bare.pid, e, targets, files, duration, connections) for e in ENDPOINTS}
                for _ in range(repeat)
            ]
            result["freshness"] = freshness_under_load(
                the_suite, bare.pid, targets, files, seeded["contact_ids"], writes, connections
            )
        result["runs"] = rounds
        result["summary"] = summarise(rounds)
        result["profile"] = profile_customer_record(the_suite, seeded["contact_ids"], profile_calls)
        result["notes"] = the_suite.notes
    result["verdict"] = _verdict(result)
    log(f"verdict: {json.dumps(result['verdict'])}")
    return result


def _create_keys(the_suite: Any, count: int) -> list[str]:
    """Admin keys as ``crm apikeys create`` makes them (hash stored, secret kept here only)."""
    from crm_gateway.adapters.tables import plumbing
    from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
    from crm_gateway.domain.apikeys import hash_secret, new_secret
    from crm_shared.db import make_engine, utcnow

    engine = make_engine(the_suite.gateway_url)
    secrets = [new_secret() for _ in range(count)]
    with GatewayUnitOfWork(engine, plumbing) as uow:
        for number, secret in enumerate(secrets):
            uow.api_keys.add(f"bench client {number}", "admin", hash_secret(secret), utcnow())
        uow.commit()
    engine.dispose()
    return secrets


def _client_files(workdir: Path, contact_ids: list[str], keys: list[str]) -> dict[str, Any]:
    ids_path, keys_path = workdir / "contact_ids.txt", workdir / "keys.txt"
    ids_path.write_text("\n".join(contact_ids) + "\n")
    load_keys, writer_keys = keys[:-8], keys[-8:]
    keys_path.write_text("\n".join(load_keys) + "\n")
    return {"ids": str(ids_path), "keys": str(keys_path), "writer_keys": writer_keys}


def _sample(the_suite: Any, contact_id: str) -> dict[str, Any]:
    """One record as served, to show what is measured (its size and which parts it holds)."""
    client = the_suite.http()
    status, body = client.request("GET", f"/api/v1/customers/{contact_id}")
    client.close()
    if status != 200:
        raise RuntimeError(f"the customer record answered {status}: {body[:300]!r}")
    record = json.loads(body)
    return {
        "bytes": len(body),
        "parts": [p for p in ("contact", "account", "consents", "sales", "marketing", "support") if p in record],
        "unavailable": record["unavailable"],
        "open_opportunities": len(record["sales"]["open_opportunities"]),
        "open_tickets": len(record["support"]["open_tickets"]),
    }


def _verdict(result: dict[str, Any]) -> dict[str, Any]:
    summary = result["summary"]
    health, customer = summary["health"]["median_ok_per_s"], summary["customer"]["median_ok_per_s"]
    contact, bare = summary["contact"]["median_ok_per_s"], summary["bare_rpc"]["median_ok_per_s"]
    freshness = result["freshness"]["lag_from_write_in_service"]
    from_sent = result["freshness"]["lag_from_write_sent"]
    return {
        "customer_over_health": round(customer / health, 3) if health else None,
        "customer_over_health_aim": round(AIM_FRACTION_OF_HEALTH, 3),
        "customer_p99_ms": summary["customer"]["median_p99_ms"],
        "customer_p99_aim_ms": AIM_P99_MS,
        "contact_over_bare_rpc": round(contact / bare, 3) if bare else None,
        "contact_over_bare_rpc_aim": AIM_FRACTION_OF_BARE_RPC,
        "freshness_p50_ms": freshness["p50_ms"],
        "freshness_p99_ms": freshness["p99_ms"],
        "freshness_p99_aim_ms": AIM_FRESHNESS_P99_S * 1000,
        "freshness_from_request_sent_p50_ms": from_sent["p50_ms"],
        "freshness_from_request_sent_p99_ms": from_sent["p99_ms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    for name, default in FULL.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help=f"default {default}")
    args = parser.parse_args()
    sizes = dict(QUICK if args.quick else FULL)
    sizes.update({k: v for k, v in vars(args).items() if k in sizes and v is not None})
    started = time.monotonic()
    result = run(**sizes)
    result["machine"] = machine()
    result["parameters"] = sizes
    result["command"] = "python -m bench.customer360" + (" --quick" if args.quick else "")
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    path = write_result("customer360" + ("-quick" if args.quick else ""), result)
    print(json.dumps({"summary": result["summary"], "verdict": result["verdict"]}, indent=2))
    log(f"written to {path}")


if __name__ == "__main__":
    main()
