"""Who is calling: an API key from ``Authorization: Bearer`` or ``X-API-Key``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

from crm_gateway.domain.apikeys import Principal, hash_secret, matches
from crm_gateway.http.problems import HttpProblem

CACHE_SECONDS = 5.0  # a revoked key stops working within this time

Lookup = Callable[[str], tuple[Principal, str] | None]


class Authenticator:
    """Caches answers briefly so that a request does not cost a database read for its key."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def principal(self, request: Request, lookup: Lookup) -> Principal:
        secret = _presented_secret(request)
        if secret is None:
            raise _unauthorised("Send an API key as 'Authorization: Bearer <key>'.")
        key_hash = hash_secret(secret)
        now = time.monotonic()
        cached = self._cache.get(key_hash)
        if cached is None or cached[0] < now:
            found = lookup(key_hash)
            principal = found[0] if found and matches(secret, found[1]) else None
            if len(self._cache) > 10_000:
                self._cache.clear()
            cached = (now + CACHE_SECONDS, principal)
            self._cache[key_hash] = cached
        if cached[1] is None:
            raise _unauthorised("The API key is not valid or was revoked.")
        return cached[1]


class Authentication(DependencyProvider):  # type: ignore[misc]
    """One authenticator (and its cache) per gateway process."""

    def setup(self) -> None:
        self.authenticator = Authenticator()

    def get_dependency(self, worker_ctx: Any) -> Authenticator:
        return self.authenticator


def _presented_secret(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def _unauthorised(detail: str) -> HttpProblem:
    return HttpProblem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="crm"'})
