"""When the contacts service does not answer, the gateway says so quickly: 503, never a hang."""

from __future__ import annotations

import time


def test_a_call_to_a_service_that_is_not_running_is_503_within_the_deadline(gateway_without_contacts):
    api = gateway_without_contacts

    started = time.monotonic()
    response = api.get("/api/v1/contacts")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "1"
    assert response.json()["correlation_id"] == response.headers["X-Correlation-ID"]
    assert elapsed < 5


def test_the_gateway_stays_healthy_while_a_service_is_down(gateway_without_contacts):
    assert gateway_without_contacts.get("/health", role=None).json() == {"status": "ok"}
