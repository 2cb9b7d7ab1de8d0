"""The audience read model: one row of facts per contact plus its tags, interests and attributes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_marketing.adapters.tables import audience, audience_facts, erased_contacts
from crm_marketing.domain.audience import ContactFacts
from crm_shared.db import dialect_insert


class AudienceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def is_erased(self, contact_id: uuid.UUID) -> bool:
        query = sa.select(erased_contacts.c.contact_id).where(erased_contacts.c.contact_id == contact_id)
        return self.conn.execute(query).first() is not None

    def get(self, contact_id: uuid.UUID) -> Any:
        return self.conn.execute(sa.select(audience).where(audience.c.contact_id == contact_id)).first()

    def sequence_of(self, contact_id: uuid.UUID, producer_column: str) -> int | None:
        """The last applied sequence of one producer, or None if the contact is not known yet."""
        row = self.get(contact_id)
        return None if row is None else int(getattr(row, producer_column))

    def ensure(self, contact_id: uuid.UUID, now: datetime) -> None:
        """A row to hang facts on, for facts (a sales summary) that arrive before the contact."""
        # One statement: events about one new contact arrive on several queues at once.
        insert = dialect_insert(self.conn)(audience).values(contact_id=contact_id, updated_at=now)
        self.conn.execute(insert.on_conflict_do_nothing(index_elements=[audience.c.contact_id]))

    def update(self, contact_id: uuid.UUID, now: datetime, **values: Any) -> None:
        self.conn.execute(audience.update().where(audience.c.contact_id == contact_id).values(updated_at=now, **values))

    def put_contact(self, facts: ContactFacts, sequence: int, now: datetime) -> None:
        self.ensure(facts.contact_id, now)
        self.update(
            facts.contact_id,
            now,
            first_name=facts.first_name,
            last_name=facts.last_name,
            email=facts.email,
            lifecycle_stage=facts.lifecycle_stage,
            owner=facts.owner,
            contacts_sequence=sequence,
        )
        self.conn.execute(audience_facts.delete().where(audience_facts.c.contact_id == facts.contact_id))
        rows = [{"contact_id": facts.contact_id, "name": n, "value": v} for n, v in sorted(facts.multi_valued)]
        if rows:
            self.conn.execute(audience_facts.insert(), rows)

    def merge(self, merged_id: uuid.UUID, survivor_id: uuid.UUID, now: datetime) -> None:
        """The merged contact stays as a redirect that no segment matches; its suppressions carry over."""
        merged = self.get(merged_id)
        if merged is None:
            return
        self.update(merged_id, now, merged_into=survivor_id)
        if merged.unsubscribed or merged.hard_bounced:
            self.ensure(survivor_id, now)
            survivor = self.get(survivor_id)
            self.update(
                survivor_id,
                now,
                unsubscribed=survivor.unsubscribed or merged.unsubscribed,
                hard_bounced=survivor.hard_bounced or merged.hard_bounced,
            )

    def erase(self, contact_id: uuid.UUID, now: datetime) -> None:
        self.conn.execute(audience_facts.delete().where(audience_facts.c.contact_id == contact_id))
        self.conn.execute(audience.delete().where(audience.c.contact_id == contact_id))
        self.conn.execute(audience.update().where(audience.c.merged_into == contact_id).values(merged_into=None))
        if not self.is_erased(contact_id):
            self.conn.execute(erased_contacts.insert().values(contact_id=contact_id, erased_at=now))

    def count_mentions(self, contact_id: uuid.UUID) -> dict[str, int]:
        rows = self.conn.execute(sa.select(sa.func.count()).where(audience.c.contact_id == contact_id)).scalar_one()
        facts = self.conn.execute(
            sa.select(sa.func.count()).where(audience_facts.c.contact_id == contact_id)
        ).scalar_one()
        return {"audience": int(rows), "audience_facts": int(facts)}
