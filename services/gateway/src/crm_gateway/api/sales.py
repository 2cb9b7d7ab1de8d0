"""Routes of the sales area."""

from __future__ import annotations

from crm_gateway.http.route import Route

SALES_ROUTES: tuple[Route, ...] = ()
