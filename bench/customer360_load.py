"""The customer 360 benchmark's load: wrk windows per endpoint, CPU per component, freshness under load."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import HOST, CpuMeter, Suite, latency_summary, log, median, wait_for_quiet
from bench.http_create import wrk_run
from crm_shared.db import normalise_url

# endpoint -> (server, wrk script, path prefix before the id, suffix after it)
ENDPOINTS: dict[str, tuple[str, str, str, str]] = {
    "health": ("gateway", "get.lua", "/health", ""),
    "customer": ("gateway", "customer_ids.lua", "/api/v1/customers/", ""),
    "contact": ("gateway", "customer_ids.lua", "/api/v1/contacts/", ""),
    "bare_rpc": ("bare_rpc", "customer_ids.lua", "/contacts/", ""),
}
SERVICES = ("contacts", "gateway", "sales", "support")
POLL_SECONDS = 0.005
VISIBLE_WITHIN = 10.0
# Others run test suites on this machine; waiting longer than this for it to quieten rarely helps.
QUIET_MAX_WAIT = 60.0


class SuiteCpuMeter(CpuMeter):
    """The harness's meter, also counting the sales and support services and the bare RPC gateway."""

    def __init__(self, the_suite: Suite, bare_pid: int) -> None:
        super().__init__(the_suite)
        self.bare_pid = bare_pid

    def _groups(self) -> dict[str, list[int]]:
        groups = super()._groups()
        assert self.suite is not None
        groups.update({name: [pid] for name, pid in _service_pids(self.suite).items()})
        groups["bare rpc gateway"] = [self.bare_pid]
        return groups


def _service_pids(the_suite: Suite) -> dict[str, int]:
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if parent == the_suite.process.pid:
            for name in SERVICES:
                if f"crm_{name}.entrypoints.service" in cmdline:
                    found[name] = int(entry.name)
    return found


def _wrk(endpoint: str, targets: dict[str, int], files: dict[str, Any], seconds: int, connections: int) -> Any:
    server, script, prefix, suffix = ENDPOINTS[endpoint]
    base = f"http://{HOST}:{targets[server]}"
    if script == "get.lua":
        return wrk_run(base + prefix, script, seconds, connections, 2, [], [])
    args = [files["ids"], files["keys"], prefix] + ([suffix] if suffix else [])
    return wrk_run(base + prefix, script, seconds, connections, 2, [], args)


def measured_window(
    the_suite: Suite,
    bare_pid: int,
    endpoint: str,
    targets: dict[str, int],
    files: dict[str, Any],
    seconds: int,
    connections: int,
    quiet: bool = True,
) -> dict[str, Any]:
    """One wrk window on ``endpoint``, after waiting for the machine to be nearly idle; CPU per component."""
    before = wait_for_quiet(max_wait=QUIET_MAX_WAIT) if quiet else None
    with SuiteCpuMeter(the_suite, bare_pid) as meter:
        result = _wrk(endpoint, targets, files, seconds, connections)
    result["cpu"] = meter.result
    result["machine_before"] = before
    if result["ok_requests"]:
        result["cpu"]["ms_per_ok_request"] = {
            name: round(used * 1000 / result["ok_requests"], 3) for name, used in meter.used.items() if used > 0.005
        }
    log(
        f"{endpoint}: {result['ok_per_s']} ok req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"errors {result['errors']}, cores {meter.result['cores_used']}"
    )
    return result


def summarise(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    summary = {}
    for endpoint in ENDPOINTS:
        runs = [r[endpoint] for r in rounds]
        summary[endpoint] = {
            "runs": len(runs),
            "ok_per_s": [r["ok_per_s"] for r in runs],
            "median_ok_per_s": round(median([r["ok_per_s"] for r in runs]), 1),
            "median_p50_ms": round(median([r["p50_ms"] for r in runs]), 2),
            "median_p99_ms": round(median([r["p99_ms"] for r in runs]), 2),
            "errors": sum(r["errors"]["status"] + r["errors"]["timeout"] for r in runs),
            "other_cores": [r["cpu"]["cores_used"].get("other", 0.0) for r in runs],
        }
    return summary


# ---------------------------------------------------------------- freshness


class _Client:
    """Keep-alive HTTP to the gateway with per-request headers; keys taken in turn."""

    def __init__(self, port: int, keys: list[str]) -> None:
        self.port, self.keys, self.turn = port, keys, 0
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        self.turn += 1
        sent = {"Authorization": f"Bearer {self.keys[self.turn % len(self.keys)]}", **(headers or {})}
        payload = None if body is None else json.dumps(body).encode()
        if payload is not None:
            sent["Content-Type"] = "application/json"
        for attempt in (1, 2):  # the server may close an idle keep-alive connection: reconnect once
            try:
                self.conn.request(method, path, body=payload, headers=sent)
                response = self.conn.getresponse()
                return response.status, response.getheader("ETag"), response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _one_write(client: _Client, store: Any, contact_id: str, number: int) -> dict[str, Any]:
    """Change a contact's job title; seconds until the gateway's store holds it, and until its record shows it.

    The store is read straight from the gateway's database (the event pipeline's lag alone);
    the record through ``GET /api/v1/customers/{id}`` under the same load as everyone else.
    """
    _, etag, _ = client.request("GET", f"/api/v1/contacts/{contact_id}")
    title = f"Bench title {number} {uuid.uuid4().hex[:6]}"
    sent = time.perf_counter()
    status, _, body = client.request(
        "PATCH",
        f"/api/v1/contacts/{contact_id}",
        {"job_title": title},
        {"If-Match": etag or '"1"', "Idempotency-Key": str(uuid.uuid4())},
    )
    acknowledged = time.perf_counter()
    if status != 200:
        return {"status": status, "error": body[:200].decode(errors="replace")}
    stored = _until(lambda: _stored_title(store, contact_id) == title, acknowledged)
    polls = 0

    def shown() -> bool:
        nonlocal polls
        polls += 1
        status, _, body = client.request("GET", f"/api/v1/customers/{contact_id}")
        return status == 200 and json.loads(body)["contact"]["job_title"] == title

    seen = _until(shown, acknowledged)
    written = datetime.fromisoformat(json.loads(body)["updated_at"]).timestamp()  # the service's write, its clock
    return {
        "status": 200,
        "stored_from_ack": None if stored is None else stored - acknowledged,
        "from_written": None if seen is None else seen + _WALL_MINUS_PERF - written,
        "from_sent": None if seen is None else seen - sent,
        "from_ack": None if seen is None else seen - acknowledged,
        "polls": polls,
    }


# Turns perf_counter readings into wall-clock times, comparable with a service's timestamps.
_WALL_MINUS_PERF = time.time() - time.perf_counter()


def _until(check: Any, since: float) -> float | None:
    """When ``check()`` first holds, polling every ``POLL_SECONDS``; None if not within ``VISIBLE_WITHIN``."""
    while time.perf_counter() - since < VISIBLE_WITHIN:
        if check():
            return time.perf_counter()
        time.sleep(POLL_SECONDS)
    return None


def _stored_title(store: Any, contact_id: str) -> Any:
    with store.connect() as conn:
        return conn.execute(
            sa.text("SELECT data->>'job_title' FROM customer_parts WHERE contact_id = :id AND part = 'contact'"),
            {"id": contact_id},
        ).scalar()


def freshness_under_load(
    the_suite: Suite,
    bare_pid: int,
    targets: dict[str, int],
    files: dict[str, Any],
    contact_ids: list[str],
    writes: int,
    connections: int,
) -> dict[str, Any]:
    """``writes`` changes, one after another, while wrk keeps the 360 under load (``connections`` clients)."""
    seconds = max(20, writes // 3)
    outcome: dict[str, Any] = {}

    def load() -> None:
        outcome["load"] = measured_window(the_suite, bare_pid, "customer", targets, files, seconds, connections, False)

    wait_for_quiet(max_wait=QUIET_MAX_WAIT)
    loader = threading.Thread(target=load)
    loader.start()
    time.sleep(2)  # the load is on before the first write
    client = _Client(the_suite.port, files["writer_keys"])
    store = sa.create_engine(normalise_url(the_suite.gateway_url), pool_size=1)
    chosen = contact_ids[len(contact_ids) // 2 :][:writes]
    deadline = time.monotonic() + seconds - 4
    results = []
    for number, contact_id in enumerate(chosen):
        if time.monotonic() > deadline:
            break
        try:
            results.append(_one_write(client, store, contact_id, number))
        except OSError as error:  # a lost connection is a failed write, not the end of the benchmark
            results.append({"status": 599, "error": type(error).__name__})
    loader.join()
    store.dispose()
    seen = [r for r in results if r.get("from_sent") is not None]
    report = {
        "writes": len(results),
        "failed_writes": sum(r["status"] != 200 for r in results),
        "not_visible_within_s": {"limit": VISIBLE_WITHIN, "count": sum(r.get("from_sent") is None for r in results)},
        "applied_in_store_from_write_acknowledged": latency_summary(
            [r["stored_from_ack"] for r in results if r.get("stored_from_ack") is not None]
        ),
        "lag_from_write_in_service": latency_summary([r["from_written"] for r in seen]),
        "lag_from_write_sent": latency_summary([r["from_sent"] for r in seen]),
        "lag_from_write_acknowledged": latency_summary([r["from_ack"] for r in seen]),
        "polls_per_write_mean": round(sum(r["polls"] for r in seen) / len(seen), 1) if seen else None,
        "load_during": outcome.get("load"),
    }
    errors = [r for r in results if r["status"] != 200][:3]
    if errors:
        report["first_errors"] = errors
    log(
        f"freshness: {json.dumps({k: report[k] for k in ('writes', 'lag_from_write_in_service', 'lag_from_write_sent', 'failed_writes')})}"
    )
    return report
