"""Typed errors that cross RPC intact so the gateway can map them to HTTP.

Each error carries one JSON-safe dict as its only argument: nameko serialises
``exc.args`` and ``crm_shared.runtime`` registers these classes with nameko so
the caller gets the same type back. This module imports no framework, so the
domain code of every service may raise them.
"""

from __future__ import annotations

from typing import Any


class CrmError(Exception):
    """Base of every error a client may see; its detail is safe to show."""

    code = "error"

    def __init__(self, detail: str | dict[str, Any] = "", **extra: Any) -> None:
        payload = dict(detail) if isinstance(detail, dict) else {"detail": detail, **extra}
        super().__init__(payload)
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
        if isinstance(detail, dict):
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
