"""The correlation id travels in nameko's context data, so RPC calls and events carry it on."""

from __future__ import annotations

import re
import uuid
from typing import Any

from crm_shared.logs import correlation_id_var

CORRELATION_KEY = "correlation_id"
CORRELATION_HEADER = "X-Correlation-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def bind_correlation_id(worker_ctx: Any) -> str:
    """Take the caller's id (context data, or an HTTP request's header), or start one."""
    correlation_id = worker_ctx.data.get(CORRELATION_KEY) or _from_http_request(worker_ctx)
    correlation_id = correlation_id or uuid.uuid4().hex
    worker_ctx.data[CORRELATION_KEY] = correlation_id
    correlation_id_var.set(correlation_id)
    return str(correlation_id)


def _from_http_request(worker_ctx: Any) -> str | None:
    request = worker_ctx.args[0] if worker_ctx.args else None
    headers = getattr(request, "headers", None)
    given = headers.get(CORRELATION_HEADER) if headers is not None else None
    return given if given and _ACCEPTABLE.match(given) else None
