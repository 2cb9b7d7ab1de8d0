"""The OpenAPI document the gateway serves is valid OpenAPI 3 and describes every route."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from crm_gateway.http.routes import ROUTES


@pytest.fixture(scope="module")
def spec(api):
    response = api.get("/openapi.json", role=None)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_every_route_is_documented_with_its_parameters_body_and_answers(spec, route):
    operation = spec["paths"][route.openapi_path][route.method.lower()]

    assert operation["operationId"] == route.name
    assert operation["security"] == [{"apiKey": []}]
    path_parameters = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
    assert path_parameters == {part[1:-1] for part in route.path.split("/") if part.startswith("<")}
    assert str(route.status) in operation["responses"]
    assert {"401", "403", "422", "500"} <= set(operation["responses"])
    assert ("requestBody" in operation) == (route.body is not None)
    if route.writes:
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}


def test_the_document_describes_no_operation_the_api_does_not_have(spec):
    documented = {(path, method) for path, operations in spec["paths"].items() for method in operations}
    routed = {(route.openapi_path, route.method.lower()) for route in ROUTES}

    assert documented - routed == {("/health", "get")}


def test_unknown_fields_are_documented_as_refused(spec):
    schemas = spec["components"]["schemas"]

    assert schemas["ContactCreate"]["additionalProperties"] is False
    assert "address" in schemas["Email"]["required"]
