"""Which role may read or write which area of the API."""

from __future__ import annotations

AREAS_BY_ROLE: dict[str, frozenset[str]] = {
    "admin": frozenset({"contacts", "sales", "marketing", "support", "admin"}),
    "sales": frozenset({"contacts", "sales"}),
    "marketing": frozenset({"contacts", "marketing"}),
    "support": frozenset({"contacts", "support"}),
    "readonly": frozenset({"contacts", "sales", "marketing", "support"}),
}


def may(role: str, area: str, writes: bool) -> bool:
    """``readonly`` reads every business area and writes none; ``admin`` area is admin-only."""
    if writes and role == "readonly":
        return False
    return area in AREAS_BY_ROLE.get(role, frozenset())
