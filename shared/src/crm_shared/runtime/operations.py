"""One dependency that makes a service operable: liveness, readiness and Prometheus metrics over HTTP.

A service adds ``operations = Operations(migrations=...)`` to its class and
``HEALTH_ADDRESS: ${<SERVICE>_HEALTH_ADDRESS:0.0.0.0:<its default port>}`` to its config. The endpoint has a port of its own, apart from
nameko's ``WEB_SERVER_ADDRESS``, so probes and scrapes never queue behind API
traffic and a service without HTTP entrypoints still answers them:

- ``GET /health/live``: 200 while the process serves at all.
- ``GET /health/ready``: 200 when the broker and the database answer and the schema is at head,
  else 503; the body also reports the outbox backlog and the dead-letter count.
- ``GET /metrics``: Prometheus text format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest

from crm_shared import config
from crm_shared.runtime.database import Database
from crm_shared.runtime.events import dead_letter_queue
from crm_shared.runtime.health import (
    ExpectedSchema,
    Readiness,
    check_broker,
    check_database,
    outbox_backlog,
    queue_depth,
)
from crm_shared.runtime.metrics import StateCollector, WorkerMetrics
from crm_shared.runtime.probe import health_address

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Operations(DependencyProvider):  # type: ignore[misc]
    """Records every worker and serves health and metrics; gives workers nothing."""

    def __init__(self, migrations: Path | None = None) -> None:
        self.migrations = migrations
        self.port: int | None = None

    def setup(self) -> None:
        cfg = self.container.config
        self.service = self.container.service_name
        self.amqp_uri = cfg.get("AMQP_URI") or config.amqp_uri()
        # A container started without the key (as tests start them) takes a free local port, so
        # replicas in one process, or test runs side by side, never collide on a default one.
        configured = cfg.get("HEALTH_ADDRESS")
        self.address = health_address(self.service, configured) if configured else ("127.0.0.1", 0)
        self.expected_schema = ExpectedSchema(self.migrations) if self.migrations is not None else None
        self.registry = CollectorRegistry()
        self.workers = WorkerMetrics(self.service, self.registry)
        self.registry.register(StateCollector(self.service, self.state))
        ProcessCollector(registry=self.registry)

    def start(self) -> None:
        database = self._database()
        if database is not None and database.relay is not None:
            # The relay has no hook of its own; wrapping its batch step counts exactly what was confirmed.
            relay = database.relay
            relay.publish_pending = self.workers.count_published(relay.publish_pending)  # type: ignore[method-assign]
        self.socket = eventlet.listen(self.address)
        self.port = int(self.socket.getsockname()[1])
        self.server = self.container.spawn_managed_thread(self._serve, identifier="operations_http")

    def stop(self) -> None:
        server = getattr(self, "server", None)
        if server is not None:
            server.kill()
            self.socket.close()
            self.server = None

    def kill(self) -> None:
        self.stop()

    def worker_setup(self, worker_ctx: Any) -> None:
        self.workers.started(worker_ctx)

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        self.workers.finished(worker_ctx, result, exc_info)

    def readiness(self) -> Readiness:
        checks = {"broker": check_broker(self.amqp_uri), "dead_letters": self._dead_letters()}
        database = self._database()
        if database is not None and database.engine is not None:
            checks["database"] = check_database(database.engine, self.expected_schema)
            checks["outbox"] = outbox_backlog(database.engine, database.tables.outbox)
        return Readiness(checks)

    def state(self) -> dict[str, float]:
        """The gauges read at each scrape; -1 stands for "could not be read"."""
        found: dict[str, float] = {"dead_letters": float(self._dead_letters().get("messages", -1))}
        database = self._database()
        if database is not None and database.engine is not None:
            backlog = outbox_backlog(database.engine, database.tables.outbox)
            found["outbox_pending"] = float(backlog.get("pending", -1))
            found["outbox_lag_seconds"] = float(backlog.get("lag_seconds", -1))
        return found

    def _dead_letters(self) -> dict[str, Any]:
        return queue_depth(self.amqp_uri, dead_letter_queue(self.service))

    def _database(self) -> Database | None:
        return next((dep for dep in self.container.dependencies if isinstance(dep, Database)), None)

    def _serve(self) -> None:
        eventlet.wsgi.server(self.socket, self._app, log_output=False)

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return _answer(start_response, "200 OK", generate_latest(self.registry), CONTENT_TYPE_LATEST)
        if path == "/health/live":
            return _json(start_response, "200 OK", {"status": "alive", "service": self.service})
        if path == "/health/ready":
            readiness = self.readiness()
            status = "200 OK" if readiness.ready else "503 Service Unavailable"
            return _json(start_response, status, {"service": self.service, **readiness.as_json()})
        return _json(start_response, "404 Not Found", {"status": "no such endpoint"})


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    return _answer(start_response, status, json.dumps(body).encode(), "application/json")


def _answer(start_response: StartResponse, status: str, body: bytes, content_type: str) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
