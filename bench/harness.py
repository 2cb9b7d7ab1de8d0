"""Starting and stopping the suite for a benchmark, and the small measuring tools they share.

``Suite`` creates a RabbitMQ vhost (when ``rabbitmqctl`` is at hand) and one PostgreSQL
database per service, runs ``crm up`` against them as a subprocess in a process group of
its own, creates an admin API key, waits until a request passes through the gateway to
the contacts service, and on exit stops the group (SIGTERM, then SIGKILL after a grace
period) and drops what it created. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from crm_shared.service_plugin import installed_services

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CRM = str(BIN / "crm")
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", f"postgresql+psycopg2://postgres@{HOST}:5432/postgres")
AMQP_BASE = os.environ.get("BENCH_AMQP_URI", f"amqp://guest:guest@{HOST}:5672/")
START_TIMEOUT = 90.0
STOP_GRACE = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- statistics


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    """Milliseconds: count, p50, p90, p99, max, mean."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else None,
    }


def median(values: list[float]) -> float:
    return percentile(values, 50)


# ---------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(memory_gib, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": shutil.which("wrk") is not None,
    }


# ---------------------------------------------------------------- CPU accounting


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def wait_for_quiet(threshold_cores: float = 0.3, max_wait: float = 120.0, window: float = 3.0) -> dict[str, Any]:
    """Wait (bounded) until the machine is nearly idle, so that others' work skews less.

    Returns what was seen: the busy cores of the last window and how long was waited.
    """
    started = time.monotonic()
    while True:
        before = _machine_busy_seconds()
        time.sleep(window)
        busy = (_machine_busy_seconds() - before) / window
        waited = time.monotonic() - started
        if busy <= threshold_cores or waited >= max_wait:
            if busy > threshold_cores:
                log(f"machine still busy ({busy:.2f} cores) after {waited:.0f}s; measuring anyway")
            return {"busy_cores_before": round(busy, 2), "waited_s": round(waited, 1)}


def _pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds used per component during a window: services, PostgreSQL, RabbitMQ, clients.

    PostgreSQL and RabbitMQ are counted machine-wide (all their processes). Clients are this
    process's waited-for children (wrk, the ``crm`` CLI) plus this process itself. "other" is
    the rest of the machine's busy time: anything else running meanwhile (it should be ~0).
    """

    def __init__(self, suite: Suite | None) -> None:
        self.suite = suite

    def _groups(self) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = {"postgres": _pids_named("postgres"), "rabbitmq": _pids_named("beam.smp")}
        if self.suite is not None:
            for name, pid in self.suite.service_pids().items():
                groups[name] = [pid]
        return groups

    def _sample(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: cpu for pid in pids if (cpu := _cpu_seconds(pid)) is not None}
            for name, pids in self._groups().items()
        }

    def __enter__(self) -> CpuMeter:
        self._start = self._sample()
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._self = resource.getrusage(resource.RUSAGE_SELF)
        self._busy = _machine_busy_seconds()
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *_: object) -> None:
        wall = time.monotonic() - self._t0
        end = self._sample()
        used: dict[str, float] = {}
        for name, pids in end.items():
            before = self._start.get(name, {})
            used[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in pids.items())
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        used["load generator / client"] = (
            children.ru_utime + children.ru_stime - self._children.ru_utime - self._children.ru_stime
        ) + (own.ru_utime + own.ru_stime - self._self.ru_utime - self._self.ru_stime)
        busy = _machine_busy_seconds() - self._busy
        used["other"] = max(0.0, busy - sum(used.values()))
        self.wall = wall
        self.used = used
        self.result = {
            "wall_s": round(wall, 2),
            "cores_used": {k: round(v / wall, 2) for k, v in sorted(used.items(), key=lambda kv: -kv[1])},
            "machine_busy_cores": round(busy / wall, 2),
        }


# ---------------------------------------------------------------- PostgreSQL and RabbitMQ


def _admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def create_database(name: str) -> str:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _rabbitmqctl(*args: str) -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    try:
        done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


@contextmanager
def private_vhost(label: str) -> Iterator[str]:
    """An AMQP URI on a vhost of its own (deleted afterwards), or the base URI if none can be made."""
    name = f"crm-bench-{label}-{uuid.uuid4().hex[:6]}"
    if not _rabbitmqctl("add_vhost", name):
        yield AMQP_BASE
        return
    try:
        if _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*"):
            yield AMQP_BASE.rstrip("/") + "/" + quote(name, safe="")
        else:
            yield AMQP_BASE
    finally:
        _rabbitmqctl("delete_vhost", name)


@contextmanager
def migrated_contacts_database(label: str) -> Iterator[str]:
    """A fresh PostgreSQL database with the contacts service's schema, dropped afterwards."""
    from crm_contacts.plugin import SERVICE
    from crm_shared.migrations import upgrade

    name = f"crm_bench_{label}_{uuid.uuid4().hex[:6]}_contacts"
    url = create_database(name)
    try:
        assert SERVICE.migrations is not None
        upgrade(SERVICE.migrations, url)
        yield url
    finally:
        drop_database(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- HTTP


class Http:
    """A keep-alive HTTP/1.1 client to the gateway (one connection; not thread-safe)."""

    def __init__(self, port: int, api_key: str | None = None, timeout: float = 30.0) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# ---------------------------------------------------------------- the suite


@dataclass
class Suite:
    label: str
    port: int
    env: dict[str, str]
    api_key: str
    contacts_url: str
    gateway_url: str
    amqp_uri: str
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    notes: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def service_pids(self) -> dict[str, int]:
        """The contacts and gateway processes that ``crm up`` started."""
        found: dict[str, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) != self.process.pid:
                continue
            for name in ("contacts", "gateway"):
                if f"crm_{name}.entrypoints.service" in cmdline:
                    found[name] = int(entry.name)
        return found

    def http(self, timeout: float = 30.0) -> Http:
        return Http(self.port, self.api_key, timeout)

    def contacts_engine(self) -> sa.Engine:
        from crm_shared.db import normalise_url

        return sa.create_engine(normalise_url(self.contacts_url), poolclass=sa.pool.NullPool)

    def rpc(self, timeout: float = 120.0) -> Any:
        """A nameko ClusterRpcProxy to this suite's broker vhost (use as a context manager)."""
        from nameko.standalone.rpc import ClusterRpcProxy

        import crm_shared.runtime  # noqa: F401 - typed errors come back as themselves

        return ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=timeout)

    def crm(self, *args: str, timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
        """Run the ``crm`` tool against this suite."""
        return subprocess.run(
            [CRM, *args], env=self.env, capture_output=True, text=True, timeout=timeout, cwd=self.workdir
        )

    def pending_events(self) -> int:
        engine = self.contacts_engine()
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()
        engine.dispose()
        return int(count)

    def wait_outbox_drained(self, timeout: float = 180.0) -> float | None:
        """Seconds until every outbox row is published, or None if not within ``timeout``."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.pending_events() == 0:
                return time.monotonic() - start
            time.sleep(0.2)
        return None


def _wait_until_ready(suite: Suite) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if suite.process.poll() is not None:
            raise RuntimeError(f"crm up exited with {suite.process.returncode}; see {suite.log_path}")
        try:
            client = suite.http(timeout=5.0)
            status, body = client.request("GET", "/api/v1/contacts?limit=1")
            client.close()
            if status == 200:
                return
            last_error = f"HTTP {status}: {body[:200]!r}"
        except OSError as error:
            last_error = repr(error)
        time.sleep(0.3)
    raise RuntimeError(f"the suite did not become ready within {START_TIMEOUT}s ({last_error}); see {suite.log_path}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            log(f"crm up (pid {process.pid}) did not stop in {STOP_GRACE}s; killing its process group")
    # The group is the one created for this ``crm up``: whatever of it is left goes.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log(f"crm up (pid {process.pid}) still there after SIGKILL")


@contextmanager
def suite(label: str, extra_env: dict[str, str] | None = None) -> Iterator[Suite]:
    """The whole CRM suite on fresh databases and a fresh vhost, stopped and dropped afterwards.

    The work directory (service logs) is removed after a clean run and kept after a failure.
    """
    run_id = uuid.uuid4().hex[:6]
    workdir = Path(tempfile.mkdtemp(prefix=f"crm-bench-{label}-"))
    databases: list[str] = []
    vhost: str | None = None
    process: subprocess.Popen[bytes] | None = None
    notes: list[str] = []
    failed = True
    try:
        vhost_name = f"crm-bench-{label}-{run_id}"
        if _rabbitmqctl("add_vhost", vhost_name):
            vhost = vhost_name  # deleted at the end, whatever happens next
        if vhost and _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"):
            amqp_uri = AMQP_BASE.rstrip("/") + "/" + quote(vhost, safe="")
        else:
            amqp_uri = AMQP_BASE
            notes.append("no private vhost (rabbitmqctl failed): other services on '/' may answer RPCs")
        urls = {}
        services = [plugin.name for plugin in installed_services()]
        for service in services:
            name = f"crm_bench_{label}_{run_id}_{service}"
            urls[service] = create_database(name)
            databases.append(name)
        port = free_port()
        env = {
            **os.environ,
            "AMQP_URI": amqp_uri,
            **{f"{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
            # Health and metrics ports of their own, so that suites side by side never collide.
            **{f"{service.upper()}_HEALTH_ADDRESS": f"{HOST}:{free_port()}" for service in services},
            "GATEWAY_ADDRESS": f"{HOST}:{port}",
            "CRM_DATA_DIR": str(workdir / "var"),
            "PYTHONWARNINGS": "ignore",
            **(extra_env or {}),
        }
        created = subprocess.run(
            [CRM, "apikeys", "create", "--name", "bench", "--role", "admin"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=workdir,
        )
        if created.returncode != 0:
            raise RuntimeError(f"crm apikeys create failed: {created.stderr}")
        api_key = created.stdout.strip().splitlines()[0]
        log_path = workdir / "crm-up.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [CRM, "up"], env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
            )
        the_suite = Suite(
            label=label,
            port=port,
            env=env,
            api_key=api_key,
            contacts_url=urls["contacts"],
            gateway_url=urls["gateway"],
            amqp_uri=amqp_uri,
            workdir=workdir,
            process=process,
            log_path=log_path,
            notes=notes,
        )
        log(f"{label}: starting crm up (pid {process.pid}) on port {port}, vhost {vhost or '/'}")
        _wait_until_ready(the_suite)
        log(f"{label}: suite ready, services {the_suite.service_pids()}")
        yield the_suite
        failed = False
    finally:
        if process is not None:
            _stop(process)
        for name in databases:
            try:
                drop_database(name)
            except Exception as error:  # noqa: BLE001 - report and go on cleaning
                log(f"could not drop database {name}: {error}")
        if vhost is not None:
            _rabbitmqctl("delete_vhost", vhost)
        if failed:
            log(f"{label}: stopped and cleaned up; logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            log(f"{label}: stopped and cleaned up")


def write_result(name: str, result: dict[str, Any]) -> Path:
    directory = ROOT / "bench" / "results"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path
