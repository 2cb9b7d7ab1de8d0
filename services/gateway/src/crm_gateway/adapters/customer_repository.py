"""The stored customer 360: parts per contact, accounts, merged and erased ids, the timeline."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_gateway.adapters.tables import (
    customer_accounts,
    customer_fates,
    customer_parts,
    event_log,
    timeline_entries,
    webhook_deliveries,
)
from crm_gateway.domain.customer_record import EncodedJson, StoredPart
from crm_shared.db import dialect_insert
from crm_shared.pagination import after_cursor, page_after

# The read path's one query, built once per set of parts: composing it per request cost
# more than running it. The part names are the record's own constants, written into the
# SQL: an expanding IN parameter is rendered again on every execution (6% of a read's CPU).
_ACCOUNT = customer_accounts.alias("account")


@lru_cache(maxsize=64)
def read_parts_statement(names: tuple[str, ...]) -> sa.Select[Any]:
    """The stored parts ``names`` of ``:contact_id`` and the account of its contact part."""
    if not all(name.isidentifier() for name in names):
        raise ValueError(f"not part names: {names!r}")
    return (
        sa.select(
            customer_parts.c.part,
            customer_parts.c.sequence,
            customer_parts.c.as_of,
            customer_parts.c.account_id,
            sa.cast(customer_parts.c.data, sa.Text).label("data_text"),
            sa.cast(_ACCOUNT.c.data, sa.Text).label("account_text"),
            _ACCOUNT.c.sequence.label("account_sequence"),
            _ACCOUNT.c.as_of.label("account_as_of"),
        )
        .outerjoin(_ACCOUNT, _ACCOUNT.c.account_id == customer_parts.c.account_id)
        .where(
            customer_parts.c.contact_id == sa.bindparam("contact_id"),
            customer_parts.c.part.in_([sa.literal_column(f"'{name}'") for name in names]),
        )
    )


def _encoded(text: str | None) -> EncodedJson | None:
    return None if text is None or text == "null" else EncodedJson(text)


class CustomerRecordRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def fate(self, contact_id: uuid.UUID) -> tuple[str, uuid.UUID | None] | None:
        """("merged", survivor) or ("erased", None) for a contact that no longer stands alone."""
        row = self.conn.execute(
            sa.select(customer_fates.c.fate, customer_fates.c.survivor_id).where(
                customer_fates.c.contact_id == contact_id
            )
        ).first()
        return None if row is None else (row.fate, row.survivor_id)

    def record_fate(self, contact_id: uuid.UUID, fate: str, survivor_id: uuid.UUID | None, now: datetime) -> None:
        self.conn.execute(customer_fates.delete().where(customer_fates.c.contact_id == contact_id))
        self.conn.execute(
            customer_fates.insert().values(contact_id=contact_id, fate=fate, survivor_id=survivor_id, recorded_at=now)
        )

    def parts(self, contact_id: uuid.UUID, names: Iterable[str]) -> dict[str, StoredPart]:
        rows = self.conn.execute(
            sa.select(customer_parts).where(
                customer_parts.c.contact_id == contact_id, customer_parts.c.part.in_(list(names))
            )
        )
        return {row.part: StoredPart(row.data, row.sequence, row.as_of) for row in rows}

    def parts_with_account(
        self, contact_id: uuid.UUID, names: Iterable[str]
    ) -> tuple[dict[str, StoredPart], StoredPart | None]:
        """The stored parts, as JSON text, and the account of the stored contact part, in one query.

        The read path: the account is the one whose id the stored contact part names.
        """
        parts, account = {}, None
        for row in self.conn.execute(read_parts_statement(tuple(names)), {"contact_id": contact_id}):
            parts[row.part] = StoredPart(_encoded(row.data_text), row.sequence, row.as_of)
            if row.account_text is not None:
                account = StoredPart(_encoded(row.account_text), row.account_sequence, row.account_as_of)
        return parts, account

    def put_part(
        self,
        contact_id: uuid.UUID,
        part: str,
        stored: StoredPart,
        account_id: uuid.UUID | None = None,
    ) -> None:
        """Store an event's part, unless a newer one is stored: whichever of two writers commits last."""
        self._upsert_part(contact_id, part, stored, account_id, customer_parts.c.sequence < stored.sequence)

    def fill_part(self, contact_id: uuid.UUID, part: str, stored: StoredPart, account_id: uuid.UUID | None) -> None:
        """Store a part fetched live, unless an event stored a newer one meanwhile."""
        current = self.parts(contact_id, [part]).get(part)
        if current is not None and current.data is not None:
            return
        sequence = current.sequence if current is not None else 0
        # A stale part keeps its sequence, and the live fill takes it over.
        self._upsert_part(
            contact_id,
            part,
            StoredPart(stored.data, sequence, stored.as_of),
            account_id,
            customer_parts.c.sequence <= sequence,
        )

    def _upsert_part(
        self,
        contact_id: uuid.UUID,
        part: str,
        stored: StoredPart,
        account_id: uuid.UUID | None,
        replaces: sa.ColumnElement[bool],
    ) -> None:
        # One statement, its condition checked against the newest committed row: a live fetch
        # and an event, or two events, may both have read the old part before either wrote.
        values = {"data": stored.data, "sequence": stored.sequence, "as_of": stored.as_of, "account_id": account_id}
        insert = dialect_insert(self.conn)(customer_parts).values(contact_id=contact_id, part=part, **values)
        self.conn.execute(
            insert.on_conflict_do_update(index_elements=["contact_id", "part"], set_=values, where=replaces)
        )

    def mark_stale(self, contact_id: uuid.UUID, keep: Iterable[str] = ()) -> None:
        """Parts to fetch live on the next read; their sequences stay, so late events stay ignored."""
        self.conn.execute(
            customer_parts.update()
            .where(customer_parts.c.contact_id == contact_id, customer_parts.c.part.not_in(list(keep)))
            .values(data=None)
        )

    def forget(self, contact_id: uuid.UUID) -> None:
        self.conn.execute(customer_parts.delete().where(customer_parts.c.contact_id == contact_id))

    def account(self, account_id: uuid.UUID) -> StoredPart | None:
        row = self.conn.execute(
            sa.select(customer_accounts).where(customer_accounts.c.account_id == account_id)
        ).first()
        return None if row is None else StoredPart(row.data, row.sequence, row.as_of)

    def put_account(self, account_id: uuid.UUID, stored: StoredPart) -> None:
        values = {"data": stored.data, "sequence": stored.sequence, "as_of": stored.as_of}
        insert = dialect_insert(self.conn)(customer_accounts).values(account_id=account_id, **values)
        self.conn.execute(
            insert.on_conflict_do_update(
                index_elements=["account_id"], set_=values, where=customer_accounts.c.sequence < stored.sequence
            )
        )

    def add_timeline_entry(self, entry: dict[str, Any]) -> None:
        insert = dialect_insert(self.conn)(timeline_entries).values(**entry)
        self.conn.execute(insert.on_conflict_do_nothing(index_elements=["event_id"]))

    def move_timeline(self, from_contact: uuid.UUID, to_contact: uuid.UUID) -> None:
        self.conn.execute(
            timeline_entries.update().where(timeline_entries.c.contact_id == from_contact).values(contact_id=to_contact)
        )

    def erase_timeline(self, contact_id: uuid.UUID) -> None:
        self.conn.execute(timeline_entries.delete().where(timeline_entries.c.contact_id == contact_id))

    def pii_inventory(self, contact_id: uuid.UUID) -> dict[str, int]:
        """Rows holding personal data about the contact, per place; the webhook tables count theirs too."""
        places = {
            "customer_parts": sa.select(sa.func.count()).where(customer_parts.c.contact_id == contact_id),
            "timeline_entries": sa.select(sa.func.count()).where(timeline_entries.c.contact_id == contact_id),
            "event_log": sa.select(sa.func.count()).where(event_log.c.contact_id == contact_id),
            "webhook_deliveries": sa.select(sa.func.count()).where(webhook_deliveries.c.contact_id == contact_id),
        }
        return {name: int(self.conn.execute(query).scalar_one()) for name, query in places.items()}

    def timeline(
        self, contact_id: uuid.UUID, services: Iterable[str], limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first, a page of ``limit`` and the cursor of the next one (None at the end)."""
        entries = timeline_entries.c
        query = sa.select(timeline_entries).where(entries.contact_id == contact_id, entries.service.in_(list(services)))
        if cursor:
            query = query.where(after_cursor(cursor, entries.occurred_at, entries.event_id, descending=True))
        query = query.order_by(entries.occurred_at.desc(), entries.event_id.desc()).limit(limit + 1)
        items = [dict(row._mapping) for row in self.conn.execute(query)]
        return page_after(items, limit, lambda entry: (entry["occurred_at"], entry["event_id"]))
