"""Routes of the marketing area."""

from __future__ import annotations

from crm_gateway.http.route import Route

MARKETING_ROUTES: tuple[Route, ...] = ()
