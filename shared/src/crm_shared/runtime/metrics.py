"""Prometheus metrics of one service container: every worker, the outbox and the dead letters.

Each container keeps its own registry, so two services in one process (as in the
tests) never mix their figures; every series still carries a ``service`` label so
dashboards can sum replicas of one service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from nameko.events import EventHandler
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

_STARTED_AT = "crm_metrics_started_at"

# (counter name, histogram name, label naming the entrypoint) per kind of entrypoint.
_KINDS: dict[str, tuple[str, str, str]] = {
    "rpc": ("crm_rpc_requests_total", "crm_rpc_duration_seconds", "method"),
    "event": ("crm_events_handled_total", "crm_event_handle_duration_seconds", "handler"),
    "timer": ("crm_timer_runs_total", "crm_timer_duration_seconds", "timer"),
}


def entrypoint_kind(entrypoint: Any) -> str:
    if isinstance(entrypoint, Rpc):
        return "rpc"
    if isinstance(entrypoint, EventHandler):
        return "event"
    if isinstance(entrypoint, Timer):
        return "timer"
    if isinstance(entrypoint, HttpRequestHandler):
        return "http"
    return "other"


def outcome_of(exc_info: Any) -> str:
    """``ok``, or the error's class name: a set bounded by the code, never by the input."""
    return "ok" if exc_info is None else type(exc_info[1]).__name__


class WorkerMetrics:
    """Counts and times every worker by entrypoint, outcome and (for HTTP) status."""

    def __init__(self, service: str, registry: CollectorRegistry) -> None:
        self.service = service
        self.counters: dict[str, Counter] = {}
        self.histograms: dict[str, Histogram] = {}
        for kind, (counter, histogram, label) in _KINDS.items():
            self.counters[kind] = Counter(
                counter, f"{kind} workers by outcome", ["service", label, "outcome"],
                registry=registry,
            )  # fmt: skip
            self.histograms[kind] = Histogram(
                histogram, f"{kind} worker duration", ["service", label], registry=registry
            )
        self.http_requests = Counter(
            "crm_http_requests", "HTTP requests by route and status", ["service", "route", "method", "status"],
            registry=registry,
        )  # fmt: skip
        self.http_duration = Histogram(
            "crm_http_request_duration_seconds", "HTTP request duration", ["service", "route"], registry=registry
        )
        self.events_published = Counter(
            "crm_events_published", "events published from the outbox by this replica", ["service"], registry=registry
        )

    def started(self, worker_ctx: Any) -> None:
        worker_ctx.data[_STARTED_AT] = time.perf_counter()

    def finished(self, worker_ctx: Any, result: Any, exc_info: Any) -> None:
        started = worker_ctx.data.pop(_STARTED_AT, None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_kind(entrypoint)
        name = entrypoint.method_name
        if kind == "http":
            status = "500" if exc_info is not None else str(_status_of(result))
            self.http_requests.labels(self.service, name, entrypoint.method, status).inc()
            self.http_duration.labels(self.service, name).observe(elapsed)
        elif kind in _KINDS:
            self.counters[kind].labels(self.service, name, outcome_of(exc_info)).inc()
            self.histograms[kind].labels(self.service, name).observe(elapsed)

    def count_published(self, publish_pending: Callable[[], int]) -> Callable[[], int]:
        """Wraps the relay's batch step so every published event is counted."""

        def counted() -> int:
            published = publish_pending()
            if published:
                self.events_published.labels(self.service).inc(published)
            return published

        return counted


def _status_of(result: Any) -> int:
    if isinstance(result, tuple) and result and isinstance(result[0], int):
        return result[0]
    return int(getattr(result, "status_code", 200))


class StateCollector(Collector):  # type: ignore[misc]
    """Gauges read when scraped: outbox backlog and lag, dead-letter depth (-1 when unreadable)."""

    def __init__(self, service: str, read_state: Callable[[], dict[str, float]]) -> None:
        self.service = service
        self.read_state = read_state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = self.read_state()
        described = {
            "outbox_pending": ("crm_outbox_pending_events", "events committed but not yet published"),
            "outbox_lag_seconds": ("crm_outbox_lag_seconds", "age of the oldest unpublished event"),
            "dead_letters": ("crm_dead_letter_queue_messages", "messages in the service's dead-letter queue"),
        }
        for key, (name, documentation) in described.items():
            family = GaugeMetricFamily(name, documentation, labels=["service"])
            family.add_metric([self.service], state.get(key, -1.0))
            yield family
