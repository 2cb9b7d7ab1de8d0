"""Where the contacts service holds a person's data: counted, exported, moved and erased."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_contacts.adapters.tables import (
    consent_entries,
    contact_identities,
    contact_tags,
    contacts,
    interactions,
    plumbing,
    tasks,
)

CHILD_TABLES = (consent_entries, interactions, tasks)


class PrivacyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def inventory(self, contact_id: uuid.UUID) -> dict[str, int]:
        """Rows holding personal data about the contact, per place."""
        key = str(contact_id)
        live_contact = sa.select(sa.func.count()).where(
            contacts.c.id == contact_id,
            contacts.c.erased_at.is_(None),
            contacts.c.merged_into.is_(None),
        )
        places = {"contacts": live_contact}
        for table in (contact_identities, contact_tags, *CHILD_TABLES):
            places[table.name] = sa.select(sa.func.count()).where(table.c.contact_id == contact_id)
        outbox, idempotency = plumbing.outbox, plumbing.idempotency
        places["outbox"] = sa.select(sa.func.count()).where(
            outbox.c.aggregate_id == key, outbox.c.event_type != "contact.erased"
        )
        places["idempotency_keys"] = sa.select(sa.func.count()).where(idempotency.c.subject_id == key)
        return {name: int(self.conn.execute(query).scalar_one()) for name, query in places.items()}

    def move_history(self, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
        """The survivor of a merge keeps the merged contact's consents, interactions and tasks."""
        for table in CHILD_TABLES:
            self.conn.execute(table.update().where(table.c.contact_id == merged_id).values(contact_id=survivor_id))

    def erase(self, contact_id: uuid.UUID, now: datetime) -> None:
        """Leave a tombstone (id, times, version) and nothing personal, anywhere we keep it."""
        key = str(contact_id)
        for table in (contact_identities, contact_tags, *CHILD_TABLES):
            self.conn.execute(table.delete().where(table.c.contact_id == contact_id))
        self.conn.execute(plumbing.outbox.delete().where(plumbing.outbox.c.aggregate_id == key))
        self.conn.execute(plumbing.idempotency.delete().where(plumbing.idempotency.c.subject_id == key))
        self.conn.execute(
            contacts.update()
            .where(contacts.c.id == contact_id)
            .values(
                first_name=None, last_name=None, first_key=None, last_key=None, full_key=None,
                job_title=None, account_id=None, owner=None, source=None,
                lifecycle_stage="other", provenance="manual", document={},
                erased_at=now, updated_at=now, version=contacts.c.version + 1,
            )
        )  # fmt: skip
