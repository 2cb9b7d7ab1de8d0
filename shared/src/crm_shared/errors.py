"""Typed errors that cross RPC intact so the gateway can map them to HTTP.

Each error carries one JSON-safe dict as its only argument: nameko serialises
``exc.args`` and ``crm_shared.runtime`` registers these classes with nameko so
the caller gets the same type back. This module imports no framework, so the
domain code of every service may raise them.
"""

from __future__ import annotations

import json
from typing import Any

_WIRE_PREFIX = "crm-error:"


def _payload_from(detail: Any) -> dict[str, Any] | None:
    """The payload of an error rebuilt from its wire form, or given as a dict; None for plain text."""
    if isinstance(detail, dict):
        return dict(detail)
    if isinstance(detail, str) and detail.startswith(_WIRE_PREFIX):
        return dict(json.loads(detail[len(_WIRE_PREFIX) :]))
    return None


class CrmError(Exception):
    """Base of every error a client may see; its detail is safe to show."""

    code = "error"

    def __init__(self, detail: str | dict[str, Any] = "", **extra: Any) -> None:
        payload = _payload_from(detail)
        if payload is None:
            payload = {"detail": detail, **extra}
        # One JSON string argument: nameko turns every non-string value of a dict argument into text.
        super().__init__(_WIRE_PREFIX + json.dumps(payload, default=str))
        self.payload: dict[str, Any] = payload

    @property
    def detail(self) -> str:
        return str(self.payload.get("detail", ""))

    def __str__(self) -> str:
        return self.detail


class NotFound(CrmError):
    code = "not_found"


class Invalid(CrmError):
    """Input failed validation; ``fields`` maps each field to its messages."""

    code = "invalid"

    def __init__(self, detail: str | dict[str, Any] = "", fields: Any = None) -> None:
        if _payload_from(detail) is not None:
            super().__init__(detail)
        else:
            super().__init__({"detail": detail or "Invalid input", "fields": fields or {}})

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.payload.get("fields") or {})


class Conflict(CrmError):
    code = "conflict"


class StaleVersion(CrmError):
    """The caller's expected version is not the stored one (optimistic concurrency)."""

    code = "stale_version"


class Gone(CrmError):
    """The record existed but was erased."""

    code = "gone"


class Moved(CrmError):
    """The record was merged into another; ``location_id`` names the survivor."""

    code = "moved"


class ServiceUnavailable(CrmError):
    code = "unavailable"


ALL_ERRORS: tuple[type[CrmError], ...] = (
    NotFound,
    Invalid,
    Conflict,
    StaleVersion,
    Gone,
    Moved,
    ServiceUnavailable,
)
