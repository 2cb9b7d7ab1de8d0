"""Turning an HTTP request into a ``Call``: body, query, If-Match and Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from werkzeug.wrappers import Request

from crm_gateway.domain.apikeys import Principal
from crm_gateway.http.problems import HttpProblem
from crm_gateway.http.route import Call, Route
from crm_shared.contracts.loading import load, schema_instance

_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')
MAX_IDEMPOTENCY_KEY = 200


def read_call(route: Route, request: Request, path: dict[str, str], principal: Principal, max_body: int) -> Call:
    body = _body(route, request, max_body)
    if route.body is not None:
        load(schema_instance(route.body), body)
    return Call(
        path=path,
        query=_query(request),
        body=body,
        expected_version=_if_match(request),
        idempotency_key=_idempotency_key(route, request, path, principal.key_id),
        role=principal.role,
    )


def _body(route: Route, request: Request, max_body: int) -> Any:
    if route.body is None:
        return None
    length = request.content_length
    if length is not None and length > max_body:
        raise HttpProblem(413, "Payload too large", f"The body may be at most {max_body} bytes.")
    raw = _stream(request).read(max_body + 1)
    if len(raw) > max_body:
        raise HttpProblem(413, "Payload too large", f"The body may be at most {max_body} bytes.")
    if request.mimetype not in ("application/json", "application/merge-patch+json"):
        raise HttpProblem(415, "Unsupported media type", "Send the body as application/json.")
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpProblem(400, "Malformed request", "The body is not valid JSON.") from None


def _stream(request: Request) -> Any:
    """The body; a chunked one too, which werkzeug would read as empty (the read above is bounded)."""
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return request.environ["wsgi.input"]
    return request.stream


def _query(request: Request) -> dict[str, Any]:
    return {key: values[-1] for key, values in request.args.lists()}


def _if_match(request: Request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":  # "*": whatever the current version is (RFC 9110)
        return None
    match = _ETAG.match(header)
    if match is None:  # not an entity-tag at all (RFC 9110 8.8.3): a malformed request, not a failed condition
        raise HttpProblem(400, "Malformed request", 'If-Match must be an ETag this API gave, like "3", or *.')
    return int(match.group(1))


def _idempotency_key(route: Route, request: Request, path: dict[str, str], principal_id: str) -> str:
    """Namespaced per API key, route and target; a request without one still gets one, so an RPC retry is harmless.

    The client's key is hashed with its namespace: the stored key has a fixed length that fits
    the services' column whatever the client sent, and a key reused on another record (a PATCH
    of a second contact) is another operation, never an answer about the first record.
    """
    given = request.headers.get("Idempotency-Key")
    if given is None or not route.writes:
        return f"auto:{uuid.uuid4()}"
    if not 1 <= len(given) <= MAX_IDEMPOTENCY_KEY:
        raise HttpProblem(400, "Malformed request", f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters.")
    scope = json.dumps([principal_id, route.name, sorted(path.items()), given])
    return f"http:{hashlib.sha256(scope.encode()).hexdigest()}"
