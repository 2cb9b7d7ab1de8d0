"""Routes of the gateway's own administration records: the audit log, webhooks and replays (admin only)."""

from __future__ import annotations

import crm_shared.contracts.gateway as g
from crm_gateway.http.route import GATEWAY, Route, route
from crm_shared.contracts.common import PageQuerySchema

ADMIN = "admin"
WEBHOOK = "/api/v1/webhooks/<webhook_id>"

ADMIN_ROUTES: tuple[Route, ...] = (
    route("get_audit_log", "GET", "/api/v1/audit-log", GATEWAY, "audit_log", lambda r: (r.query,), ADMIN,
          "Every write through the API: who, what, when, from where, and its status; oldest first",
          query=g.AuditQuerySchema, response=g.AuditPageSchema, tags=("admin",)),
    route("create_webhook", "POST", "/api/v1/webhooks", GATEWAY, "webhook_create",
          lambda r: (r.body, r.idempotency_key), ADMIN,
          "Register an HTTPS endpoint for event types; its signing secret is shown only in this answer",
          body=g.WebhookCreateSchema, response=g.WebhookWithSecretSchema, status=201,
          location=lambda b: f"/api/v1/webhooks/{b['id']}", tags=("webhooks",)),
    route("list_webhooks", "GET", "/api/v1/webhooks", GATEWAY, "webhook_list", lambda r: (r.query,), ADMIN,
          "Registered webhook endpoints", query=PageQuerySchema, response=g.WebhookPageSchema, tags=("webhooks",)),
    route("get_webhook", "GET", WEBHOOK, GATEWAY, "webhook_get", lambda r: (r.path["webhook_id"],), ADMIN,
          "A webhook endpoint (never its secret)", response=g.WebhookSchema, tags=("webhooks",)),
    route("delete_webhook", "DELETE", WEBHOOK, GATEWAY, "webhook_delete",
          lambda r: (r.path["webhook_id"], r.idempotency_key), ADMIN,
          "Remove an endpoint and its delivery log", response=g.WebhookSchema, tags=("webhooks",)),
    route("rotate_webhook_secret", "POST", f"{WEBHOOK}/secret", GATEWAY, "webhook_rotate_secret",
          lambda r: (r.path["webhook_id"], r.idempotency_key), ADMIN,
          "A new signing secret, shown once; the old one also signs for 24 hours",
          response=g.WebhookWithSecretSchema, tags=("webhooks",)),
    route("enable_webhook", "POST", f"{WEBHOOK}/enable", GATEWAY, "webhook_enable",
          lambda r: (r.path["webhook_id"], r.idempotency_key), ADMIN,
          "Enable an endpoint again after it was disabled for failing", response=g.WebhookSchema,
          tags=("webhooks",)),
    route("list_webhook_deliveries", "GET", f"{WEBHOOK}/deliveries", GATEWAY, "webhook_delivery_log",
          lambda r: (r.path["webhook_id"], r.query), ADMIN, "The endpoint's delivery log, newest first",
          query=g.DeliveryQuerySchema, response=g.DeliveryPageSchema, tags=("webhooks",)),
    route("redeliver_webhook_delivery", "POST", f"{WEBHOOK}/deliveries/<delivery_id>/redeliver", GATEWAY, "webhook_redeliver",
          lambda r: (r.path["webhook_id"], r.path["delivery_id"], r.idempotency_key), ADMIN,
          "Send a delivery again now, with a new retry window", response=g.DeliverySchema, tags=("webhooks",)),
    route("create_replay", "POST", "/api/v1/replays", GATEWAY, "replay_events", lambda r: (r.body,), ADMIN,
          "Every logged event of some types since a time, in order, to a webhook or an integrator's queue",
          body=g.ReplayCreateSchema, response=g.ReplaySchema, status=202, tags=("webhooks",)),
)  # fmt: skip
