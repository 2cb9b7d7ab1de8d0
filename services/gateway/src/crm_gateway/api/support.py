"""Routes of the support area."""

from __future__ import annotations

from crm_gateway.http.route import Route

SUPPORT_ROUTES: tuple[Route, ...] = ()
