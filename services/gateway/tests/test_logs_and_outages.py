"""What the gateway writes to its logs, and how it answers when its own database is gone."""

from __future__ import annotations

import json
import logging
import uuid

import requests

from crm_gateway.entrypoints.service import GatewayService
from crm_shared.testing import free_port

from .conftest import gateway_config


def test_a_request_is_logged_as_its_route_and_status_never_its_query(api, caplog):
    secret = f"canary-{uuid.uuid4().hex[:8]}@example.com"
    caplog.set_level(logging.INFO)

    response = api.get("/api/v1/contacts", params={"q": secret})

    assert response.status_code == 200
    access = [record for record in caplog.records if record.name == "crm_gateway.access"]
    assert [(r.method, r.route, r.status) for r in access] == [("GET", "/api/v1/contacts", 200)]
    assert access[0].correlation_id == response.headers["X-Correlation-ID"]
    assert secret not in caplog.text
    assert all(secret not in json.dumps(record.__dict__, default=str) for record in caplog.records)


def test_an_unrouted_request_is_logged_without_its_path(api, caplog):
    caplog.set_level(logging.INFO)

    response = api.get("/no/such/place/jane@example.com")

    assert response.status_code == 404
    access = [record for record in caplog.records if record.name == "crm_gateway.access"]
    assert [(r.route, r.status) for r in access] == [("(unrouted)", 404)]
    assert "jane@example.com" not in caplog.text


def test_the_gateways_own_database_out_of_reach_is_a_503_not_a_500(run_service):
    nobody_listens = f"postgresql://postgres@127.0.0.1:{free_port()}/gateway"
    port = free_port()
    run_service(GatewayService, **gateway_config(nobody_listens, port))

    response = requests.get(
        f"http://127.0.0.1:{port}/api/v1/contacts", headers={"Authorization": "Bearer crm_abc"}, timeout=15
    )

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["correlation_id"] == response.headers["X-Correlation-ID"]
