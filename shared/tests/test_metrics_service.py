"""Prometheus metrics of real services: contacts over RPC, and an HTTP service as the gateway is.

Real RabbitMQ and PostgreSQL; the figures are read from the ``/metrics`` text a
Prometheus server would scrape.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from nameko.dependency_providers import Config
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.web.handlers import http
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.wrappers import Request, Response

import crm_shared.runtime  # noqa: F401 - typed errors cross RPC as themselves
from crm_contacts.adapters.tables import metadata
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE
from crm_shared.errors import Invalid
from crm_shared.runtime.operations import Operations
from crm_shared.testing import free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(container: Any) -> Samples:
    provider = next(dep for dep in container.dependencies if isinstance(dep, Operations))
    text = requests.get(f"http://127.0.0.1:{provider.port}/metrics", timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for(container: Any, name: str, minimum: float, **labels: str) -> Samples:
    deadline = time.monotonic() + 15
    while (samples := scrape(container)) and value(samples, name, **labels) < minimum:
        assert time.monotonic() < deadline, f"{name}{labels} stayed below {minimum}"
        time.sleep(0.1)
    return samples


@pytest.fixture
def contacts(migrated_databases, run_service) -> Any:
    url = migrated_databases.url("postgresql", SERVICE.migrations, metadata)
    return run_service(ContactsService, DATABASE_URL=url, HEALTH_ADDRESS="127.0.0.1:0")


def test_rpc_calls_are_counted_and_timed_by_method_and_outcome(contacts, amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as rpc:
        rpc.contacts.create_contact({"first_name": "Ada", "emails": [{"address": "ada@example.com"}]})
        rpc.contacts.create_contact({"first_name": "Grace"})
        with pytest.raises(Invalid):
            rpc.contacts.create_contact({"first_name": ""})

    samples = scrape(contacts)

    ok = {"service": "contacts", "method": "create_contact", "outcome": "ok"}
    assert value(samples, "crm_rpc_requests_total", **ok) == 2
    assert value(samples, "crm_rpc_requests_total", **{**ok, "outcome": "Invalid"}) == 1
    assert value(samples, "crm_rpc_duration_seconds_count", service="contacts", method="create_contact") == 3


def test_published_events_are_counted_and_the_outbox_drains_to_zero(contacts, amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as rpc:
        for n in range(5):
            rpc.contacts.create_contact({"first_name": f"P{n}"})

    samples = wait_for(contacts, "crm_events_published_total", 5, service="contacts")

    assert value(samples, "crm_events_published_total", service="contacts") == 5
    assert value(samples, "crm_outbox_pending_events", service="contacts") == 0
    assert value(samples, "crm_outbox_lag_seconds", service="contacts") == 0
    assert ("crm_dead_letter_queue_messages", frozenset({("service", "contacts")})) in samples


def test_timers_are_counted(contacts):
    samples = wait_for(contacts, "crm_timer_runs_total", 1, service="contacts", timer="remind_due_tasks", outcome="ok")

    assert value(samples, "crm_timer_duration_seconds_count", service="contacts", timer="remind_due_tasks") >= 1


class PagesService:
    """An HTTP service shaped as the gateway is: nameko's ``http`` entrypoint beside ``Operations``."""

    name = "pages"
    config = Config()
    operations = Operations()

    @http("GET", "/pages/<int:page>")
    def page(self, request: Request, page: int) -> Response:
        if page > 9:
            return Response("no such page", status=404)
        return Response(f"page {page}")

    @http("GET", "/broken")
    def broken(self, request: Request) -> Response:
        raise RuntimeError("this endpoint always fails")


def test_http_requests_are_counted_by_route_method_and_status(run_service):
    web_port = free_port()
    container = run_service(PagesService, WEB_SERVER_ADDRESS=f"127.0.0.1:{web_port}", HEALTH_ADDRESS="127.0.0.1:0")
    for path in ("/pages/1", "/pages/2", "/pages/12", "/broken"):
        requests.get(f"http://127.0.0.1:{web_port}{path}", timeout=10)

    samples = scrape(container)

    labels = {"service": "pages", "route": "page", "method": "GET"}
    assert value(samples, "crm_http_requests_total", **labels, status="200") == 2
    assert value(samples, "crm_http_requests_total", **labels, status="404") == 1
    assert value(samples, "crm_http_requests_total", **{**labels, "route": "broken"}, status="500") == 1
    assert value(samples, "crm_http_request_duration_seconds_count", service="pages", route="page") == 3
