"""Every error as ``application/problem+json`` (RFC 9457), mapped in one table.

Only our typed errors' own details reach a client; anything else is a 500 that
names the correlation id to quote, never the exception text.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from crm_shared import errors

PROBLEM_TYPE = "application/problem+json"


class HttpProblem(Exception):
    """An error raised by the gateway itself (authentication, malformed request, ...)."""

    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


STATUS_BY_ERROR: tuple[tuple[type[errors.CrmError], int, str], ...] = (
    (errors.Invalid, 422, "Invalid input"),
    (errors.NotFound, 404, "Not found"),
    (errors.StaleVersion, 412, "Precondition failed"),
    (errors.Conflict, 409, "Conflict"),
    (errors.Gone, 410, "Gone"),
    (errors.Moved, 308, "Moved"),
    (errors.ServiceUnavailable, 503, "Service unavailable"),
)


def problem_response(
    status: int, title: str, detail: str, correlation_id: str, extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["correlation_id"] = correlation_id
    # An error's own members (``version``, ``contact_id``, ...) never replace the standard ones.
    body.update({key: value for key, value in (extra or {}).items() if key not in body})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE, headers=headers)
    return response


def for_error(error: BaseException, correlation_id: str, moved_to: Any = None) -> Response:
    if isinstance(error, HttpProblem):
        return problem_response(error.status, error.title, error.detail, correlation_id, headers=error.headers)
    for error_type, status, title in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return _typed(error, status, title, correlation_id, moved_to)
    return problem_response(500, "Internal error", "An unexpected error occurred.", correlation_id)


def _typed(error: errors.CrmError, status: int, title: str, correlation_id: str, moved_to: Any) -> Response:
    extra = {k: v for k, v in error.payload.items() if k != "detail"}
    if isinstance(error, errors.Invalid):
        extra = {"errors": error.fields}
    headers = {}
    if isinstance(error, errors.Moved) and moved_to is not None:
        headers["Location"] = moved_to(error.payload.get("location_id"))
    if isinstance(error, errors.ServiceUnavailable):
        headers["Retry-After"] = "1"
    return problem_response(status, title, error.detail, correlation_id, extra, headers)
