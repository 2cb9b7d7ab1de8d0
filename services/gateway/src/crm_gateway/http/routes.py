"""The public REST API as data: every area's routes in one table.

One table serves both the HTTP entrypoints and the OpenAPI document, so they cannot drift.
"""

from __future__ import annotations

from crm_gateway.api.admin import ADMIN_ROUTES
from crm_gateway.api.contacts import CONTACT_ROUTES
from crm_gateway.api.customers import CUSTOMER_ROUTES
from crm_gateway.api.marketing import MARKETING_ROUTES
from crm_gateway.api.sales import SALES_ROUTES
from crm_gateway.api.support import SUPPORT_ROUTES
from crm_gateway.http.route import Call, Route

ROUTES: tuple[Route, ...] = (
    CONTACT_ROUTES + CUSTOMER_ROUTES + SALES_ROUTES + MARKETING_ROUTES + SUPPORT_ROUTES + ADMIN_ROUTES
)

__all__ = ["ROUTES", "Call", "Route"]
