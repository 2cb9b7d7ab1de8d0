"""Routes of the unified customer record, which the gateway serves from its own store."""

from __future__ import annotations

import crm_shared.contracts.customers as c
from crm_gateway.http.route import GATEWAY, Route, route

# Every role may ask; each sees only the parts and timeline entries of its own areas.
CONTACTS = "contacts"

CUSTOMER_ROUTES: tuple[Route, ...] = (
    route("get_customer", "GET", "/api/v1/customers/<contact_id>", GATEWAY, "customer_record",
          lambda r: (r.path["contact_id"], r.role), CONTACTS,
          "The unified customer record (customer 360): contact, account, consents, sales, marketing, support",
          response=c.CustomerRecordSchema, tags=("customers",)),
    route("get_customer_timeline", "GET", "/api/v1/customers/<contact_id>/timeline", GATEWAY,
          "customer_timeline", lambda r: (r.path["contact_id"], r.role, r.query), CONTACTS,
          "Interactions and every service's events about the customer, newest first",
          query=c.TimelineQuerySchema, response=c.TimelinePageSchema, tags=("customers",)),
)  # fmt: skip
