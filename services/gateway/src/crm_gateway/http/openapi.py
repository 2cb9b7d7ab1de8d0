"""The OpenAPI 3 document, generated from the route table and the services' own schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import INCLUDE, Schema, fields

from crm_gateway.http.route import Route

ERROR_STATUSES = {
    "400": "Malformed request",
    "401": "No valid API key",
    "403": "The key's role may not do this",
    "404": "Not found",
    "409": "Conflict",
    "412": "If-Match does not match the current ETag",
    "413": "Body too large",
    "415": "The body is not application/json",
    "422": "Invalid input; `errors` names each field",
    "429": "Too many requests for this key; Retry-After says when to try again",
    "500": "Unexpected error; quote the correlation id",
    "503": "A service did not answer in time",
}


class ProblemSchema(Schema):
    """RFC 9457: extension members (``contact_id``, ``version``, ...) may follow the standard ones."""

    class Meta:
        unknown = INCLUDE

    type = fields.Str()
    title = fields.Str()
    status = fields.Int()
    detail = fields.Str()
    correlation_id = fields.Str()
    errors = fields.Dict(metadata={"description": "Per-field messages (422 only)"})


def _schema_name_resolver(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[: -len("Schema")] if name.endswith("Schema") else name


def build_spec(routes: tuple[Route, ...]) -> dict[str, Any]:
    spec = APISpec(
        title="CRM API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name_resolver)],
        info={"description": "The public REST API of the CRM suite. Errors are application/problem+json."},
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer"})
    by_path: dict[str, dict[str, Any]] = {}
    for route in routes:
        by_path.setdefault(route.openapi_path, {})[route.method.lower()] = _operation(route)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    spec.path(
        path="/health",
        operations={"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "OK"}}}},
    )
    return spec.to_dict()


def _operation(route: Route) -> dict[str, Any]:
    parameters: list[Any] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string", "format": "uuid"}}
        for name in _path_names(route)
    ]
    if route.query is not None:
        parameters.append({"in": "query", "schema": route.query})
    if route.writes:
        parameters.append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
        )
    if route.method == "PATCH":  # the routes that pass the expected version on; an erasure is unconditional
        if_match = {"type": "string", "pattern": r'^\s*(\*|(W/)?"[0-9]{1,9}")\s*$'}
        parameters.append({"in": "header", "name": "If-Match", "required": False, "schema": if_match})
    success: dict[str, Any] = {"description": route.summary}
    if route.response is not None:
        schema: Any = route.response
        if route.many:
            schema = {"type": "array", "items": route.response}
        success["content"] = {"application/json": {"schema": schema}}
    responses = {str(route.status): success}
    if "contact_id" in _path_names(route):
        responses["308"] = {
            "description": "The contact was merged; Location is this request on the surviving contact",
            "headers": {"Location": {"schema": {"type": "string"}}},
            "content": _problem(),
        }
        responses["410"] = {"description": "The contact was erased", "content": _problem()}
    for status, description in ERROR_STATUSES.items():
        responses[status] = {"description": description, "content": _problem()}
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "tags": list(route.tags),
        "security": [{"apiKey": []}],
        "parameters": parameters,
        "responses": responses,
    }
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
    return operation


def _problem() -> dict[str, Any]:
    return {"application/problem+json": {"schema": "Problem"}}


def _path_names(route: Route) -> list[str]:
    return [part[1:-1] for part in route.path.split("/") if part.startswith("<")]
