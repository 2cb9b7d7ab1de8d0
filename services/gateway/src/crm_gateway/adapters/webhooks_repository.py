"""Webhook endpoints, their deliveries, and the event log replays read from."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_gateway.adapters.tables import event_log, webhook_deliveries, webhook_endpoints
from crm_shared.db import is_postgres
from crm_shared.pagination import after_cursor, page_after

REPLAY_BATCH = 1000


class WebhookRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # Endpoints ---------------------------------------------------------------------

    def add_endpoint(self, endpoint: dict[str, Any]) -> None:
        self.conn.execute(webhook_endpoints.insert().values(**endpoint))

    def endpoint(self, endpoint_id: uuid.UUID, for_update: bool = False) -> dict[str, Any] | None:
        query = sa.select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else dict(row._mapping)

    def endpoints_page(self, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        query = sa.select(webhook_endpoints)
        if cursor:
            query = query.where(after_cursor(cursor, webhook_endpoints.c.created_at, webhook_endpoints.c.id))
        rows = self.conn.execute(
            query.order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id).limit(limit + 1)
        )
        return page_after([dict(r._mapping) for r in rows], limit, lambda e: (e["created_at"], e["id"]))

    def active_endpoints(self) -> list[dict[str, Any]]:
        query = sa.select(webhook_endpoints.c.id, webhook_endpoints.c.event_types).where(
            webhook_endpoints.c.state == "active"
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def update_endpoint(self, endpoint_id: uuid.UUID, **values: Any) -> None:
        self.conn.execute(webhook_endpoints.update().where(webhook_endpoints.c.id == endpoint_id).values(**values))

    def delete_endpoint(self, endpoint_id: uuid.UUID) -> bool:
        self.conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.endpoint_id == endpoint_id))
        return bool(self.conn.execute(webhook_endpoints.delete().where(webhook_endpoints.c.id == endpoint_id)).rowcount)

    def count_failure(self, endpoint_id: uuid.UUID) -> int:
        failures = webhook_endpoints.c.consecutive_failures
        self.update_endpoint(endpoint_id, consecutive_failures=failures + 1)
        return int(self.conn.execute(sa.select(failures).where(webhook_endpoints.c.id == endpoint_id)).scalar_one())

    # Deliveries --------------------------------------------------------------------

    def add_deliveries(self, deliveries: list[dict[str, Any]]) -> None:
        if deliveries:
            self.conn.execute(webhook_deliveries.insert(), deliveries)

    def delivery(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.conn.execute(
            sa.select(webhook_deliveries).where(
                webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.endpoint_id == endpoint_id
            )
        ).first()
        return None if row is None else dict(row._mapping)

    def deliveries_page(
        self, endpoint_id: uuid.UUID, state: str | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first."""
        d = webhook_deliveries.c
        query = sa.select(webhook_deliveries).where(d.endpoint_id == endpoint_id)
        if state:
            query = query.where(d.state == state)
        if cursor:
            query = query.where(after_cursor(cursor, d.created_at, d.id, descending=True))
        rows = self.conn.execute(query.order_by(d.created_at.desc(), d.id.desc()).limit(limit + 1))
        return page_after([dict(r._mapping) for r in rows], limit, lambda e: (e["created_at"], e["id"]))

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[dict[str, Any]]:
        """Due deliveries of active endpoints, leased so that no other replica sends them meanwhile.

        A process that dies mid-delivery leaves the lease to expire: the delivery is tried
        again (at least once, never lost).
        """
        d = webhook_deliveries.c
        query = (
            sa.select(webhook_deliveries)
            .join(webhook_endpoints, webhook_endpoints.c.id == d.endpoint_id)
            .where(d.state == "pending", d.next_attempt_at <= now, webhook_endpoints.c.state == "active")
            .order_by(d.next_attempt_at, d.created_at)
            .limit(limit)
        )
        if is_postgres(self.conn):
            query = query.with_for_update(of=webhook_deliveries, skip_locked=True)
        due = [dict(r._mapping) for r in self.conn.execute(query)]
        if due:
            self.conn.execute(
                webhook_deliveries.update().where(d.id.in_([x["id"] for x in due])).values(next_attempt_at=lease_until)
            )
        return due

    def update_delivery(self, delivery_id: uuid.UUID, **values: Any) -> None:
        self.conn.execute(webhook_deliveries.update().where(webhook_deliveries.c.id == delivery_id).values(**values))

    def erase_contact(self, contact_id: uuid.UUID) -> None:
        """Deliveries and logged events carrying the contact's personal data go with an erasure."""
        self.conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.contact_id == contact_id))
        self.conn.execute(event_log.delete().where(event_log.c.contact_id == contact_id))

    # Event log ---------------------------------------------------------------------

    def log_event(self, entry: dict[str, Any]) -> None:
        self.conn.execute(event_log.insert().values(**entry))

    def logged_events(
        self, types: Iterable[str], since: datetime, until: datetime | None, after: tuple[datetime, str, int] | None
    ) -> list[dict[str, Any]]:
        """A batch of logged events of exact ``types``, oldest first, in order per aggregate."""
        e = event_log.c
        query = sa.select(event_log).where(e.type.in_(list(types)), e.occurred_at >= since)
        if until is not None:
            query = query.where(e.occurred_at < until)
        if after is not None:
            query = query.where(sa.tuple_(e.occurred_at, e.aggregate_id, e.sequence) > sa.tuple_(*after))
        query = query.order_by(e.occurred_at, e.aggregate_id, e.sequence).limit(REPLAY_BATCH)
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def forget_events_before(self, cutoff: datetime, limit: int = 5000) -> int:
        oldest = sa.select(event_log.c.event_id).where(event_log.c.occurred_at < cutoff).limit(limit)
        return int(self.conn.execute(event_log.delete().where(event_log.c.event_id.in_(oldest))).rowcount or 0)
