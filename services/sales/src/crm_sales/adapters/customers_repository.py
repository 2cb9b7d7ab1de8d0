"""What sales holds per customer (contact): the summary's figures, merges, erasure and RFM scores."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_sales.adapters.tables import (
    customer_totals,
    erased_contacts,
    leads,
    merged_contacts,
    opportunities,
    orders,
    plumbing,
    rfm_scores,
)

REFERRING = (leads, opportunities, orders)
ERASED_TEXT = "(erased)"


class CustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def status_counts(self, contact_id: uuid.UUID) -> dict[str, int]:
        rows = self.conn.execute(
            sa.select(opportunities.c.status, sa.func.count())
            .where(opportunities.c.contact_id == contact_id)
            .group_by(opportunities.c.status)
        )
        return {status: int(count) for status, count in rows}

    def order_totals(self, contact_id: uuid.UUID) -> tuple[int, list[tuple[str, Decimal]], datetime | None]:
        """Order count, lifetime value per currency (no conversion) and the last order's time."""
        rows = self.conn.execute(
            sa.select(customer_totals).where(customer_totals.c.contact_id == contact_id).order_by("currency")
        ).all()
        last = max((r.last_order_at for r in rows), default=None)
        return sum(r.order_count for r in rows), [(r.currency, Decimal(r.total)) for r in rows], last

    def recount(self, *contact_ids: uuid.UUID) -> None:
        """Totals rebuilt from the orders themselves, after orders changed hands."""
        self.conn.execute(customer_totals.delete().where(customer_totals.c.contact_id.in_(contact_ids)))
        summed = (
            sa.select(
                orders.c.contact_id,
                orders.c.currency,
                sa.func.count(),
                sa.func.sum(orders.c.total),
                sa.func.min(orders.c.ordered_at),
                sa.func.max(orders.c.ordered_at),
            )  # fmt: skip
            .where(orders.c.contact_id.in_(contact_ids))
            .group_by(orders.c.contact_id, orders.c.currency)
        )
        columns = ["contact_id", "currency", "order_count", "total", "first_order_at", "last_order_at"]
        self.conn.execute(customer_totals.insert().from_select(columns, summed))

    def rfm(self, contact_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(rfm_scores).where(rfm_scores.c.contact_id == contact_id)).first()
        return dict(row._mapping) if row else None

    def survivor_of(self, contact_id: uuid.UUID) -> uuid.UUID | None:
        return self.conn.execute(
            sa.select(merged_contacts.c.survivor_id).where(merged_contacts.c.merged_id == contact_id)
        ).scalar_one_or_none()

    def is_erased(self, contact_id: uuid.UUID) -> bool:
        found = self.conn.execute(
            sa.select(erased_contacts.c.contact_id).where(erased_contacts.c.contact_id == contact_id)
        )
        return found.first() is not None

    def repoint(self, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> int:
        """Leads, opportunities and orders of the merged contact now belong to the survivor."""
        moved = 0
        for table in REFERRING:
            moved += self.conn.execute(
                table.update().where(table.c.contact_id == merged_id).values(contact_id=survivor_id)
            ).rowcount
        self.conn.execute(rfm_scores.delete().where(rfm_scores.c.contact_id == merged_id))
        self.recount(merged_id, survivor_id)
        self.conn.execute(
            merged_contacts.update().where(merged_contacts.c.survivor_id == merged_id).values(survivor_id=survivor_id)
        )
        if self.survivor_of(merged_id) is None:
            self.conn.execute(merged_contacts.insert().values(merged_id=merged_id, survivor_id=survivor_id))
        return moved

    def erase(self, contact_id: uuid.UUID, now: datetime) -> None:
        """Personal data goes; amounts stay, unlinked from the person, so totals stay right."""
        self.conn.execute(plumbing.outbox.delete().where(self._about(contact_id)))
        self.conn.execute(
            leads.update().where(leads.c.contact_id == contact_id).values(
                first_name=None, last_name=None, email=None, phone=None, company=None, job_title=None,
                source=None, attributes={}, activity={}, disqualify_reason=None, contact_id=None, account_id=None,
            )
        )  # fmt: skip
        self.conn.execute(
            opportunities.update()
            .where(opportunities.c.contact_id == contact_id)
            .values(name=ERASED_TEXT, name_key=ERASED_TEXT, next_step=None, close_reason=None, contact_id=None)
        )
        self.conn.execute(orders.update().where(orders.c.contact_id == contact_id).values(contact_id=None))
        self.conn.execute(customer_totals.delete().where(customer_totals.c.contact_id == contact_id))
        self.conn.execute(rfm_scores.delete().where(rfm_scores.c.contact_id == contact_id))
        idempotency = plumbing.idempotency
        self.conn.execute(
            idempotency.delete().where(
                sa.or_(idempotency.c.subject_id == str(contact_id), _mentions(idempotency.c.result, contact_id))
            )
        )
        if not self.is_erased(contact_id):
            self.conn.execute(erased_contacts.insert().values(contact_id=contact_id, erased_at=now))

    def _about(self, contact_id: uuid.UUID) -> sa.ColumnElement[bool]:
        """Outbox rows naming the contact, and those of their leads (captured before they had a contact id)."""
        outbox = plumbing.outbox
        their_leads = self.conn.execute(sa.select(leads.c.id).where(leads.c.contact_id == contact_id)).scalars()
        return sa.or_(
            _mentions(outbox.c.envelope, contact_id), outbox.c.aggregate_id.in_([str(i) for i in their_leads])
        )

    def inventory(self, contact_id: uuid.UUID) -> dict[str, int]:
        """Rows holding data about the contact, per place; the erasure's own empty summary is not counted."""
        key = str(contact_id)
        outbox, idempotency = plumbing.outbox, plumbing.idempotency
        erased_at = self.conn.execute(
            sa.select(erased_contacts.c.erased_at).where(erased_contacts.c.contact_id == contact_id)
        ).scalar_one_or_none()
        places: dict[str, Any] = {
            table.name: sa.select(sa.func.count()).where(table.c.contact_id == contact_id) for table in REFERRING
        }
        places["customer_totals"] = sa.select(sa.func.count()).where(customer_totals.c.contact_id == contact_id)
        places["rfm_scores"] = sa.select(sa.func.count()).where(rfm_scores.c.contact_id == contact_id)
        places["outbox"] = sa.select(sa.func.count()).where(self._about(contact_id))
        if erased_at is not None:
            places["outbox"] = places["outbox"].where(
                sa.not_(sa.and_(outbox.c.aggregate_id == key, outbox.c.created_at >= erased_at))
            )
        places["idempotency_keys"] = sa.select(sa.func.count()).where(
            sa.or_(idempotency.c.subject_id == key, _mentions(idempotency.c.result, contact_id))
        )
        counts = {name: int(self.conn.execute(query).scalar_one()) for name, query in places.items()}
        counts["inbox"] = 0  # the inbox keeps event ids and types only, never a payload
        return counts


def _mentions(column: Any, contact_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return sa.cast(column, sa.Text).contains(str(contact_id), autoescape=True)
