"""The gateway's webhook and replay operations, and the timer that sends deliveries.

A mixin of ``GatewayService``: the route table names these methods (service ``gateway``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import eventlet
from nameko.timer import timer

from crm_gateway.adapters.replay_queue import QueuePublisher, check_queue_exists
from crm_gateway.adapters.webhook_sender import Sender
from crm_gateway.entrypoints.providers import PerProcess
from crm_gateway.service_layer import webhooks
from crm_shared import config as crm_config
from crm_shared.commands import read, run_command
from crm_shared.contracts.common import PageQuerySchema
from crm_shared.contracts.gateway import DeliveryQuerySchema, ReplayCreateSchema, WebhookCreateSchema, WebhookPageSchema
from crm_shared.contracts.loading import load, parse_id, schema_instance
from crm_shared.db import utcnow

SEND_INTERVAL_SECONDS = 0.5
PURGE_INTERVAL_SECONDS = 300.0
SENDERS = 10  # endpoints served at once; each endpoint's deliveries go one after another, in order


class WebhookState:
    def __init__(self, config: dict[str, Any]) -> None:
        self.settings = webhooks.WebhookSettings.from_config(config)
        self.retention_days = float(config.get("EVENT_LOG_RETENTION_DAYS", 30))
        self.amqp_uri = str(config.get("AMQP_URI") or crm_config.amqp_uri())
        self.purged_at = 0.0


class WebhookEntrypoints:
    db: Any
    webhook_state = PerProcess(WebhookState)

    def webhook_create(self, body: Any, idempotency_key: str) -> dict[str, Any]:
        fields = load(schema_instance(WebhookCreateSchema), body)
        settings = self.webhook_state.settings
        return run_command(  # type: ignore[no-any-return]
            self.db,
            lambda uow: (webhooks.register(uow, fields, settings, utcnow()), None),
            operation="create_webhook",
            idempotency_key=idempotency_key,
        )

    def webhook_list(self, query: dict[str, Any]) -> dict[str, Any]:
        page = load(schema_instance(PageQuerySchema), query)

        def listing(uow: Any) -> dict[str, Any]:
            items, next_cursor = uow.webhooks.endpoints_page(page["limit"], page["cursor"])
            return dict(schema_instance(WebhookPageSchema).dump({"items": items, "next_cursor": next_cursor}))

        return read(self.db, listing)  # type: ignore[no-any-return]

    def webhook_get(self, webhook_id: str) -> dict[str, Any]:
        endpoint_id = parse_id(webhook_id, "webhook_id")
        return read(self.db, lambda uow: webhooks.present(webhooks.existing(uow, endpoint_id)))  # type: ignore[no-any-return]

    def webhook_delete(self, webhook_id: str, idempotency_key: str) -> dict[str, Any]:
        endpoint_id = parse_id(webhook_id, "webhook_id")

        def delete(uow: Any) -> tuple[dict[str, Any], None]:
            endpoint = webhooks.present(webhooks.existing(uow, endpoint_id))
            uow.webhooks.delete_endpoint(endpoint_id)
            return endpoint, None

        return run_command(self.db, delete, operation="delete_webhook", idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    def webhook_rotate_secret(self, webhook_id: str, idempotency_key: str) -> dict[str, Any]:
        endpoint_id = parse_id(webhook_id, "webhook_id")
        settings = self.webhook_state.settings
        return run_command(  # type: ignore[no-any-return]
            self.db,
            lambda uow: (webhooks.rotate_secret(uow, endpoint_id, settings, utcnow()), None),
            operation="rotate_webhook_secret",
            idempotency_key=idempotency_key,
        )

    def webhook_enable(self, webhook_id: str, idempotency_key: str) -> dict[str, Any]:
        endpoint_id = parse_id(webhook_id, "webhook_id")
        return run_command(  # type: ignore[no-any-return]
            self.db,
            lambda uow: (webhooks.enable(uow, endpoint_id), None),
            operation="enable_webhook",
            idempotency_key=idempotency_key,
        )

    def webhook_delivery_log(self, webhook_id: str, query: dict[str, Any]) -> dict[str, Any]:
        endpoint_id = parse_id(webhook_id, "webhook_id")
        page = load(schema_instance(DeliveryQuerySchema), query)
        return read(self.db, lambda uow: webhooks.deliveries(uow, endpoint_id, page))  # type: ignore[no-any-return]

    def webhook_redeliver(self, webhook_id: str, delivery_id: str, idempotency_key: str) -> dict[str, Any]:
        endpoint_id, one = parse_id(webhook_id, "webhook_id"), parse_id(delivery_id, "delivery_id")
        settings = self.webhook_state.settings
        return run_command(  # type: ignore[no-any-return]
            self.db,
            lambda uow: (webhooks.redeliver(uow, endpoint_id, one, settings, utcnow()), None),
            operation="redeliver",
            idempotency_key=idempotency_key,
        )

    def replay_events(self, body: Any) -> dict[str, Any]:
        request = load(schema_instance(ReplayCreateSchema), body)
        state = self.webhook_state
        if request["webhook_id"] is not None:
            return {"queued": webhooks.replay_to_webhook(self.db, request, state.settings, utcnow())}
        check_queue_exists(state.amqp_uri, request["queue"])
        publisher = QueuePublisher(state.amqp_uri, request["queue"])
        try:
            return {"queued": webhooks.replay_to_queue(self.db, request, publisher.publish)}
        finally:
            publisher.close()

    @timer(interval=SEND_INTERVAL_SECONDS)
    def send_webhooks(self) -> None:
        """Send what is due until nothing is; replicas share the work (leased rows, SKIP LOCKED)."""
        state = self.webhook_state
        for _ in range(20):
            due = webhooks.claim_due(self.db, state.settings, utcnow())
            if not due:
                break
            by_endpoint: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for delivery in due:
                by_endpoint[delivery["endpoint_id"]].append(delivery)
            pool = eventlet.GreenPool(SENDERS)
            for in_order in by_endpoint.values():
                pool.spawn_n(self._send_in_order, in_order)
            pool.waitall()
        if time.monotonic() - state.purged_at > PURGE_INTERVAL_SECONDS:
            state.purged_at = time.monotonic()
            webhooks.forget_old_events(self.db, state.retention_days, utcnow())

    def _send_in_order(self, deliveries: list[dict[str, Any]]) -> None:
        settings = self.webhook_state.settings
        sender, attempts = Sender(settings.request_timeout), []
        try:
            for delivery in deliveries:
                attempts.append((delivery, webhooks.attempt(delivery, settings, sender)))
                if not attempts[-1][1].delivered:
                    break  # the endpoint is failing: the rest wait for its retry instead of timing out one by one
        finally:
            sender.close()
        webhooks.record_outcomes(self.db, attempts, settings, utcnow())
        webhooks.release(self.db, deliveries[len(attempts) :], settings, utcnow())
