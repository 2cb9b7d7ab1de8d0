"""Webhooks: endpoints registered by an admin, deliveries signed and retried, the event log and replays."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm_gateway.adapters import webhook_sender
from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain import webhooks as rules
from crm_shared.contracts.gateway import DeliveryPageSchema, DeliverySchema, WebhookSchema, WebhookWithSecretSchema
from crm_shared.contracts.loading import schema_instance
from crm_shared.envelope import Envelope
from crm_shared.errors import Invalid, NotFound
from crm_shared.events import catalogue

NewUow = Callable[[], GatewayUnitOfWork]


@dataclass(frozen=True)
class WebhookSettings:
    allowed_networks: tuple[str, ...] = ()
    first_retry_seconds: float = 10.0
    retry_window_seconds: float = 24 * 3600.0
    disable_after_failures: int = 50
    request_timeout: float = 10.0
    secret_grace_seconds: float = 24 * 3600.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> WebhookSettings:
        networks = str(config.get("WEBHOOK_ALLOWED_NETWORKS") or "")
        return cls(
            allowed_networks=tuple(n.strip() for n in networks.split(",") if n.strip()),
            first_retry_seconds=float(config.get("WEBHOOK_FIRST_RETRY_SECONDS", 10)),
            retry_window_seconds=float(config.get("WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600)),
            disable_after_failures=int(config.get("WEBHOOK_DISABLE_AFTER_FAILURES", 50)),
            request_timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        )


# Endpoints -----------------------------------------------------------------------------


def register(
    uow: GatewayUnitOfWork, fields: dict[str, Any], settings: WebhookSettings, now: datetime
) -> dict[str, Any]:
    webhook_sender.check_target(fields["url"], settings.allowed_networks)
    _check_patterns(fields["event_types"], "event_types")
    endpoint = {
        "id": uuid.uuid4(),
        "url": fields["url"],
        "event_types": sorted(set(fields["event_types"])),
        "secret": rules.new_secret(),
        "state": "active",
        "consecutive_failures": 0,
        "created_at": now,
    }
    uow.webhooks.add_endpoint(endpoint)
    return dict(schema_instance(WebhookWithSecretSchema).dump(endpoint))


def _check_patterns(patterns: list[str], field: str) -> None:
    """A pattern that matches no published type is a typo: refused, so nobody waits for events that never come."""
    published = {spec.name for spec in catalogue()}
    unknown = [p for p in patterns if not any(rules.wants([p], name) for name in published)]
    if unknown:
        raise Invalid("Input is not valid.", fields={field: [f"No published event type matches {', '.join(unknown)}."]})


def present(endpoint: dict[str, Any]) -> dict[str, Any]:
    return dict(schema_instance(WebhookSchema).dump(endpoint))


def existing(uow: GatewayUnitOfWork, endpoint_id: uuid.UUID, for_update: bool = False) -> dict[str, Any]:
    endpoint = uow.webhooks.endpoint(endpoint_id, for_update)
    if endpoint is None:
        raise NotFound("No such webhook.", webhook_id=str(endpoint_id))
    return endpoint


def rotate_secret(
    uow: GatewayUnitOfWork, endpoint_id: uuid.UUID, settings: WebhookSettings, now: datetime
) -> dict[str, Any]:
    """A new secret, shown once; the old one keeps signing beside it for a grace period."""
    endpoint = existing(uow, endpoint_id, for_update=True)
    changes = {
        "secret": rules.new_secret(),
        "previous_secret": endpoint["secret"],
        "previous_secret_expires_at": now + timedelta(seconds=settings.secret_grace_seconds),
    }
    uow.webhooks.update_endpoint(endpoint_id, **changes)
    return dict(schema_instance(WebhookWithSecretSchema).dump({**endpoint, **changes}))


def enable(uow: GatewayUnitOfWork, endpoint_id: uuid.UUID) -> dict[str, Any]:
    endpoint = existing(uow, endpoint_id, for_update=True)
    changes = {"state": "active", "consecutive_failures": 0, "disabled_at": None}
    uow.webhooks.update_endpoint(endpoint_id, **changes)
    return present({**endpoint, **changes})


def deliveries(uow: GatewayUnitOfWork, endpoint_id: uuid.UUID, query: dict[str, Any]) -> dict[str, Any]:
    existing(uow, endpoint_id)
    items, next_cursor = uow.webhooks.deliveries_page(endpoint_id, query["state"], query["limit"], query["cursor"])
    return dict(schema_instance(DeliveryPageSchema).dump({"items": items, "next_cursor": next_cursor}))


def redeliver(
    uow: GatewayUnitOfWork, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, settings: WebhookSettings, now: datetime
) -> dict[str, Any]:
    """Send again now, with a fresh retry window: after the receiver is fixed, say."""
    delivery = uow.webhooks.delivery(endpoint_id, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery of this webhook.", delivery_id=str(delivery_id))
    changes = {
        "state": "pending",
        "next_attempt_at": now,
        "retry_until": now + timedelta(seconds=settings.retry_window_seconds),
        "finished_at": None,
    }
    uow.webhooks.update_delivery(delivery_id, **changes)
    return dict(schema_instance(DeliverySchema).dump({**delivery, **changes}))


# Events in -----------------------------------------------------------------------------


ERASED = "contact.erased"


def contact_of(envelope: Envelope) -> uuid.UUID | None:
    """The contact whose personal data an event may carry, so that an erasure finds it."""
    named = envelope.data.get("contact_id") or (
        envelope.data.get("id") if envelope.type.startswith("contact.") else None
    )
    try:
        return None if named is None else uuid.UUID(str(named))
    except ValueError:
        return None


def keep_event(uow: GatewayUnitOfWork, envelope: Envelope, settings: WebhookSettings, now: datetime) -> None:
    """Log the event for replays and queue a delivery to every active endpoint that wants it.

    An erasure removes what is logged or waiting about the contact (the erasure event itself
    carries no personal data and is kept, so integrators learn of it); a late event about an
    erased contact is neither logged nor delivered.
    """
    wire = envelope.to_wire()
    contact_id = contact_of(envelope)
    if envelope.type == ERASED and contact_id is not None:
        uow.webhooks.erase_contact(contact_id)
        contact_id = None
    elif contact_id is not None and uow.customers.fate(contact_id) == ("erased", None):
        return
    uow.webhooks.log_event(
        {
            "event_id": envelope.event_id,
            "producer": envelope.producer,
            "type": envelope.type,
            "aggregate_id": envelope.aggregate_id,
            "sequence": envelope.sequence,
            "occurred_at": envelope.occurred_at,
            "contact_id": contact_id,
            "envelope": wire,
        }
    )
    wanting = [e["id"] for e in uow.webhooks.active_endpoints() if rules.wants(e["event_types"], envelope.type)]
    uow.webhooks.add_deliveries(
        [_new_delivery(endpoint_id, wire, contact_id, settings, now) for endpoint_id in wanting]
    )


def _new_delivery(
    endpoint_id: uuid.UUID, wire: dict[str, Any], contact_id: uuid.UUID | None, settings: WebhookSettings, now: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "endpoint_id": endpoint_id,
        "event_id": uuid.UUID(str(wire["event_id"])),
        "event_type": wire["type"],
        "contact_id": contact_id,
        "envelope": wire,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "retry_until": now + timedelta(seconds=settings.retry_window_seconds),
    }


# Deliveries out ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None


def claim_due(new_uow: NewUow, settings: WebhookSettings, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    lease = now + timedelta(seconds=settings.request_timeout * 3 + 30)
    with new_uow() as uow:
        due = uow.webhooks.claim_due(now, lease, limit)
        endpoints = {d["endpoint_id"]: existing(uow, d["endpoint_id"]) for d in due}
        for delivery in due:
            endpoint = endpoints[delivery["endpoint_id"]]
            delivery["url"], delivery["secrets"] = endpoint["url"], _signing_secrets(endpoint, now)
        uow.commit()
    return due


def _signing_secrets(endpoint: dict[str, Any], now: datetime) -> list[str]:
    expires = endpoint.get("previous_secret_expires_at")
    keep_previous = endpoint.get("previous_secret") and expires is not None and expires > now
    return [endpoint["secret"], endpoint["previous_secret"]] if keep_previous else [endpoint["secret"]]


def attempt(delivery: dict[str, Any], settings: WebhookSettings, sender: webhook_sender.Sender) -> Outcome:
    """One POST of the envelope, signed; only a 2xx counts as delivered."""
    body = json.dumps(delivery["envelope"], separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        rules.SIGNATURE_HEADER: rules.signature_header(delivery["secrets"], timestamp, body),
        "X-CRM-Event-Id": str(delivery["event_id"]),
        "X-CRM-Event-Type": delivery["event_type"],
        "X-CRM-Delivery-Id": str(delivery["id"]),
        "User-Agent": "crm-webhooks/1",
    }
    try:
        target = webhook_sender.check_target(delivery["url"], settings.allowed_networks)
        status = sender.post(target, body, headers)
    except Invalid:
        return Outcome(False, error="target not allowed")
    except Exception as error:  # noqa: BLE001 - any transport failure is a failed attempt, retried
        return Outcome(False, error=type(error).__name__)
    return Outcome(200 <= status < 300, status=status)


def record_outcomes(
    new_uow: NewUow, attempts: list[tuple[dict[str, Any], Outcome]], settings: WebhookSettings, now: datetime
) -> None:
    """One transaction for a batch: a crash before it commits means those deliveries go again (at least once).

    Successes are recorded before failures, so an endpoint's failure count is reset once for
    the batch and a failure at its end still counts (a batch stops at its first failure).
    """
    delivered = [(delivery, outcome) for delivery, outcome in attempts if outcome.delivered]
    failed = [(delivery, outcome) for delivery, outcome in attempts if not outcome.delivered]
    with new_uow() as uow:
        for delivery, outcome in delivered:
            uow.webhooks.update_delivery(
                delivery["id"], state="delivered", attempts=delivery["attempts"] + 1, last_status=outcome.status,
                last_error=None, next_attempt_at=None, finished_at=now,
            )  # fmt: skip
        for endpoint_id in {delivery["endpoint_id"] for delivery, _ in delivered}:
            uow.webhooks.update_endpoint(endpoint_id, consecutive_failures=0)
        for delivery, outcome in failed:
            _record_failure(uow, delivery, delivery["attempts"] + 1, outcome, settings, now)
        uow.commit()


def release(new_uow: NewUow, deliveries: list[dict[str, Any]], settings: WebhookSettings, now: datetime) -> None:
    """Deliveries claimed but not tried (their endpoint failed just before): due again at its first retry."""
    if deliveries:
        with new_uow() as uow:
            for delivery in deliveries:
                uow.webhooks.update_delivery(
                    delivery["id"], next_attempt_at=now + timedelta(seconds=settings.first_retry_seconds)
                )
            uow.commit()


def _record_failure(
    uow: GatewayUnitOfWork,
    delivery: dict[str, Any],
    attempts: int,
    outcome: Outcome,
    settings: WebhookSettings,
    now: datetime,
) -> None:
    retry_at = rules.next_attempt(now, attempts, settings.first_retry_seconds, delivery["retry_until"])
    uow.webhooks.update_delivery(
        delivery["id"],
        state="pending" if retry_at else "failed",
        attempts=attempts,
        last_status=outcome.status,
        last_error=outcome.error,
        next_attempt_at=retry_at,
        finished_at=None if retry_at else now,
    )
    if uow.webhooks.count_failure(delivery["endpoint_id"]) >= settings.disable_after_failures:
        uow.webhooks.update_endpoint(delivery["endpoint_id"], state="disabled", disabled_at=now)


# Replays -------------------------------------------------------------------------------


def replay_events(new_uow: NewUow, request: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The logged events the request asks for, in batches, oldest first and in order per aggregate."""
    published = sorted({spec.name for spec in catalogue()})
    _check_patterns(request["event_types"], "event_types")
    types = [name for name in published if rules.wants(request["event_types"], name)]
    after = None
    while True:
        with new_uow() as uow:
            batch = uow.webhooks.logged_events(types, request["since"], request["until"], after)
        if not batch:
            return
        yield batch
        last = batch[-1]
        after = (last["occurred_at"], last["aggregate_id"], last["sequence"])


def replay_to_webhook(new_uow: NewUow, request: dict[str, Any], settings: WebhookSettings, now: datetime) -> int:
    with new_uow() as uow:
        existing(uow, request["webhook_id"])
    queued = 0
    for batch in replay_events(new_uow, request):
        in_order: list[dict[str, Any]] = []
        for event in batch:
            # Creation times one microsecond apart keep the replay's order through the delivery queue.
            queued_at = now + timedelta(microseconds=queued + len(in_order))
            in_order.append(
                _new_delivery(request["webhook_id"], event["envelope"], event["contact_id"], settings, queued_at)
            )
        with new_uow() as uow:
            uow.webhooks.add_deliveries(in_order)
            uow.commit()
        queued += len(batch)
    return queued


def forget_old_events(new_uow: NewUow, retention_days: float, now: datetime) -> int:
    with new_uow() as uow:
        forgotten = uow.webhooks.forget_events_before(now - timedelta(days=retention_days))
        uow.commit()
    return forgotten


def replay_to_queue(new_uow: NewUow, request: dict[str, Any], publish: Callable[[list[dict[str, Any]]], None]) -> int:
    """Publish the envelopes, in order, into an integrator's queue; ``publish`` waits for the broker's confirms."""
    queued = 0
    for batch in replay_events(new_uow, request):
        publish([event["envelope"] for event in batch])
        queued += len(batch)
    return queued
