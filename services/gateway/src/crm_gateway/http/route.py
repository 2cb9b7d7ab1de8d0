"""A route of the public REST API as data: its RPC call, area and contract schemas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema


@dataclass(frozen=True)
class Call:
    """What an HTTP request carries, ready to become RPC arguments."""

    path: dict[str, str]
    query: dict[str, Any]
    body: Any
    expected_version: int | None
    idempotency_key: str
    role: str


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # werkzeug syntax: /api/v1/contacts/<contact_id>
    service: str  # GATEWAY: answered by the gateway itself, from its own store
    rpc: str
    args: Callable[[Call], tuple[Any, ...]]
    area: str
    summary: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    location: Callable[[dict[str, Any]], str] | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")

    @property
    def openapi_path(self) -> str:
        return self.path.replace("<", "{").replace(">", "}")


GATEWAY = "gateway"


def route(*args: Any, **kwargs: Any) -> Route:
    """Positional shorthand that keeps each route table readable as one row per route."""
    return Route(*args, **kwargs)
