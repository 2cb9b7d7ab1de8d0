"""Where the support service holds a person's data: counted, moved on a merge, erased."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_support.adapters.tables import (
    customer_tiers,
    erased_contacts,
    plumbing,
    ticket_attachments,
    ticket_history,
    ticket_messages,
    tickets,
)

ERASED = "[erased]"


class PrivacyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def erased_at(self, contact_id: uuid.UUID) -> datetime | None:
        return self.conn.execute(
            sa.select(erased_contacts.c.erased_at).where(erased_contacts.c.contact_id == contact_id)
        ).scalar_one_or_none()

    def inventory(self, contact_id: uuid.UUID) -> dict[str, int]:
        """Rows holding personal data about the contact, per place."""
        key = str(contact_id)
        of_contact = sa.select(tickets.c.id).where(tickets.c.contact_id == contact_id)
        outbox = plumbing.outbox
        mentions = sa.cast(outbox.c.envelope, sa.Text).contains(key, autoescape=True)
        erased_at = self.erased_at(contact_id)
        if erased_at is not None:  # the erasure's own announcement names the id and nothing else
            mentions = sa.and_(mentions, outbox.c.created_at < erased_at)
        places = {
            "tickets": sa.select(sa.func.count()).where(tickets.c.contact_id == contact_id),
            "ticket_messages": sa.select(sa.func.count()).where(ticket_messages.c.ticket_id.in_(of_contact)),
            "ticket_attachments": sa.select(sa.func.count()).where(ticket_attachments.c.ticket_id.in_(of_contact)),
            "ticket_history": sa.select(sa.func.count()).where(ticket_history.c.ticket_id.in_(of_contact)),
            "customer_tiers": sa.select(sa.func.count()).where(customer_tiers.c.contact_id == contact_id),
            "outbox": sa.select(sa.func.count()).where(mentions),
            "idempotency_keys": sa.select(sa.func.count()).where(plumbing.idempotency.c.subject_id == key),
        }
        return {name: int(self.conn.execute(query).scalar_one()) for name, query in places.items()}

    def repoint(self, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> list[uuid.UUID]:
        """The merged contact's tickets now belong to the survivor; answers their ids."""
        moved = list(self.conn.execute(sa.select(tickets.c.id).where(tickets.c.contact_id == merged_id)).scalars())
        if moved:
            self.conn.execute(
                tickets.update()
                .where(tickets.c.id.in_(moved))
                .values(contact_id=survivor_id, version=tickets.c.version + 1)
            )
        self.conn.execute(customer_tiers.delete().where(customer_tiers.c.contact_id == merged_id))
        return moved

    def erase(self, contact_id: uuid.UUID, identifiers: list[str], now: datetime) -> int:
        """Anonymise the contact's tickets, keeping their counts, statuses and timings; answers how many."""
        ids = list(self.conn.execute(sa.select(tickets.c.id).where(tickets.c.contact_id == contact_id)).scalars())
        if ids:
            self._scrub_texts(ids, identifiers)
            self.conn.execute(
                tickets.update()
                .where(tickets.c.id.in_(ids))
                .values(
                    contact_id=None, requester_name=None, requester_email=None, subject=ERASED,
                    description=None, csat_comment=None, erased=True, updated_at=now,
                    version=tickets.c.version + 1,
                )
            )  # fmt: skip
        key = str(contact_id)
        outbox = plumbing.outbox
        self.conn.execute(outbox.delete().where(sa.cast(outbox.c.envelope, sa.Text).contains(key, autoescape=True)))
        self.conn.execute(plumbing.idempotency.delete().where(plumbing.idempotency.c.subject_id == key))
        self.conn.execute(customer_tiers.delete().where(customer_tiers.c.contact_id == contact_id))
        self.conn.execute(erased_contacts.insert().values(contact_id=contact_id, erased_at=now))
        return len(ids)

    def _scrub_texts(self, ticket_ids: list[uuid.UUID], identifiers: list[str]) -> None:
        """The customer's own words go; agents' words stay with the person's names and addresses removed."""
        messages = ticket_messages
        in_tickets = messages.c.ticket_id.in_(ticket_ids)
        self.conn.execute(
            messages.update().where(in_tickets, messages.c.author_type == "customer").values(body=ERASED, author=None)
        )
        body: Any = messages.c.body
        for identifier in identifiers:
            body = sa.func.replace(body, identifier, ERASED)
        if identifiers:
            self.conn.execute(messages.update().where(in_tickets).values(body=body))
        self.conn.execute(
            ticket_attachments.update().where(ticket_attachments.c.ticket_id.in_(ticket_ids)).values(filename=ERASED)
        )
        self.conn.execute(
            ticket_history.update().where(ticket_history.c.ticket_id.in_(ticket_ids)).values(changes={"erased": True})
        )
