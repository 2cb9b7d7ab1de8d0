"""Who is calling: an API key from ``Authorization: Bearer`` or ``X-API-Key``, or a JWT bearer token.

JWTs come from an external identity provider, when one is configured (``JWT_ISSUER``,
``JWT_AUDIENCE``, ``JWT_KEY``): the algorithm is pinned by config (never taken from
the token, so ``none`` and algorithm swaps are refused), and ``exp``, ``iss``, ``aud`` and
``sub`` are required. The role comes from the ``JWT_ROLE_CLAIM`` claim.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

from crm_gateway.domain.apikeys import ROLES, Principal, hash_secret, matches
from crm_gateway.http.problems import HttpProblem

CACHE_SECONDS = 5.0  # a revoked key stops working within this time

Lookup = Callable[[str], tuple[Principal, str] | None]


@dataclass(frozen=True)
class JwtSettings:
    issuer: str
    audience: str
    key: str
    algorithm: str = "RS256"
    role_claim: str = "crm_role"

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> JwtSettings | None:
        if not config.get("JWT_ISSUER"):
            return None
        return cls(
            issuer=str(config["JWT_ISSUER"]),
            audience=str(config.get("JWT_AUDIENCE") or ""),
            key=str(config.get("JWT_KEY") or ""),
            algorithm=str(config.get("JWT_ALGORITHM") or "RS256"),
            role_claim=str(config.get("JWT_ROLE_CLAIM") or "crm_role"),
        )

    def principal(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.PyJWTError:
            raise _unauthorised("The token is not valid, has expired, or is not for this API.") from None
        role = claims.get(self.role_claim)
        if role not in ROLES:
            raise HttpProblem(403, "Forbidden", f"The token's '{self.role_claim}' claim names no known role.")
        subject = str(claims["sub"])[:100]
        return Principal(key_id=f"jwt:{subject}"[:36], name=subject, role=role)


class Authenticator:
    """Caches answers briefly so that a request does not cost a database read for its key."""

    def __init__(self, jwt_settings: JwtSettings | None = None) -> None:
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self.jwt_settings = jwt_settings

    def principal(self, request: Request, lookup: Lookup) -> Principal:
        secret = _presented_secret(request)
        if secret is None:
            raise _unauthorised("Send an API key as 'Authorization: Bearer <key>'.")
        if self.jwt_settings is not None and secret.count(".") == 2:
            return self.jwt_settings.principal(secret)
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
        self.authenticator = Authenticator(JwtSettings.from_config(self.container.config))

    def get_dependency(self, worker_ctx: Any) -> Authenticator:
        return self.authenticator


def _presented_secret(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def _unauthorised(detail: str) -> HttpProblem:
    return HttpProblem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="crm"'})
