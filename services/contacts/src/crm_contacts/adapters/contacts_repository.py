"""Contacts stored with SQLAlchemy Core: one row, its identities and tags."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from crm_contacts.adapters.tables import accounts, contact_identities, contact_tags, contacts
from crm_contacts.domain.model import DOCUMENT_FIELDS, EMPTY_MARKETING, Contact
from crm_contacts.domain.normalise import phone_search_key, search_key
from crm_shared.db import is_postgres
from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, like_prefix, page_after

NAME_KEYS = ("first_key", "last_key", "full_key")
COLUMN_FIELDS = (
    "first_name", "last_name", "job_title", "account_id", "owner",
    "lifecycle_stage", "source", "provenance",
)  # fmt: skip


def contact_row(contact: Contact) -> dict[str, Any]:
    row = {name: getattr(contact, name) for name in COLUMN_FIELDS}
    row.update(
        id=contact.id,
        first_key=search_key(contact.first_name),
        last_key=search_key(contact.last_name),
        full_key=search_key(contact.full_name),
        document={name: getattr(contact, name) for name in DOCUMENT_FIELDS},
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        version=contact.version,
        merged_into=contact.merged_into,
        erased_at=contact.erased_at,
    )
    return row


def identity_rows(contact: Contact) -> list[dict[str, Any]]:
    return [
        *({"contact_id": contact.id, "kind": "email", "value": e["address"]} for e in contact.emails),
        *({"contact_id": contact.id, "kind": "phone", "value": p["number"]} for p in contact.phones),
    ]


def tag_rows(contact: Contact) -> list[dict[str, Any]]:
    return [{"contact_id": contact.id, "tag": tag} for tag in contact.tags]


def contact_from_row(row: Row[Any]) -> Contact:
    document = row.document or {}
    return Contact(
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        merged_into=row.merged_into,
        erased_at=row.erased_at,
        emails=document.get("emails", []),
        phones=document.get("phones", []),
        addresses=document.get("addresses", []),
        tags=document.get("tags", []),
        marketing=document.get("marketing", dict(EMPTY_MARKETING)),
        custom_fields=document.get("custom_fields", {}),
        **{name: getattr(row, name) for name in COLUMN_FIELDS},
    )


SELECTIVE_MATCHES = 1_000


class PrefixMatch:
    """Where a search prefix can match: each place as an index-served select, and all as one OR."""

    def __init__(self, q: str) -> None:
        pattern = like_prefix(search_key(q) or "")
        phone = phone_search_key(q)
        # A query like "+1415" is the same pattern as text and as a phone: look it up once.
        identity_patterns = list(dict.fromkeys([pattern, *([like_prefix(phone)] if phone else [])]))
        names = [contacts.c[key].like(pattern, escape="\\") for key in NAME_KEYS]
        identities = [
            sa.select(contact_identities.c.contact_id.label("id")).where(
                contact_identities.c.value.like(p, escape="\\")
            )
            for p in identity_patterns
        ]
        companies = sa.select(accounts.c.id).where(accounts.c.name_key.like(pattern, escape="\\"))
        self.branches = [
            *(sa.select(contacts.c.id).where(name) for name in names),
            *identities,
            sa.select(contacts.c.id).where(contacts.c.account_id.in_(companies)),
        ]
        self.any_place = sa.or_(
            *names, *(contacts.c.id.in_(i) for i in identities), contacts.c.account_id.in_(companies)
        )


class ContactRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, contact_id: uuid.UUID) -> Contact | None:
        row = self.conn.execute(sa.select(contacts).where(contacts.c.id == contact_id)).first()
        return contact_from_row(row) if row else None

    def add(self, contact: Contact) -> None:
        self.add_many([contact])

    def add_many(self, batch: list[Contact]) -> None:
        if not batch:
            return
        self.conn.execute(contacts.insert(), [contact_row(c) for c in batch])
        identities = [row for c in batch for row in identity_rows(c)]
        tags = [row for c in batch for row in tag_rows(c)]
        if identities:
            self.conn.execute(contact_identities.insert(), identities)
        if tags:
            self.conn.execute(contact_tags.insert(), tags)

    def save(self, contact: Contact, previous_version: int) -> None:
        """Write a changed contact unless someone else changed it first."""
        values = contact_row(contact)
        del values["id"]
        result = self.conn.execute(
            contacts.update()
            .where(contacts.c.id == contact.id, contacts.c.version == previous_version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise StaleVersion("The contact was changed by someone else; reload and retry.")
        self._replace_children(contact)

    def _replace_children(self, contact: Contact) -> None:
        for table in (contact_identities, contact_tags):
            self.conn.execute(table.delete().where(table.c.contact_id == contact.id))
        if rows := identity_rows(contact):
            self.conn.execute(contact_identities.insert(), rows)
        if rows := tag_rows(contact):
            self.conn.execute(contact_tags.insert(), rows)

    def search(self, filters: dict[str, Any], limit: int) -> tuple[list[Contact], str | None]:
        """Live contacts matching every filter, oldest first, keyset-paginated."""
        query = sa.select(contacts).where(contacts.c.erased_at.is_(None), contacts.c.merged_into.is_(None))
        query = query.where(*self._conditions(filters))
        if cursor := filters.get("cursor"):
            query = query.where(after_cursor(cursor, contacts.c.created_at, contacts.c.id))
        rows = self.conn.execute(query.order_by(contacts.c.created_at, contacts.c.id).limit(limit + 1)).all()
        return page_after([contact_from_row(row) for row in rows], limit, lambda c: (c.created_at, c.id))

    def _conditions(self, filters: dict[str, Any]) -> list[Any]:
        conditions: list[Any] = []
        if q := filters.get("q"):
            conditions.append(self._matches_query(q))
        if tag := filters.get("tag"):
            tagged = sa.select(contact_tags.c.contact_id).where(contact_tags.c.tag == search_key(tag))
            conditions.append(contacts.c.id.in_(tagged))
        for name in ("lifecycle_stage", "owner", "account_id"):
            if filters.get(name) is not None:
                conditions.append(contacts.c[name] == filters[name])
        if since := filters.get("updated_since"):
            conditions.append(contacts.c.updated_at >= since)
        return conditions

    def _matches_query(self, q: str) -> Any:
        """Case-insensitive prefix match on names, any email or phone, or company name.

        Each place is looked up in its own index first. When that finds few contacts
        (a whole email, a rare name) the page is fetched by primary key; an OR of the
        places would otherwise scan the table in page order looking for them. When it
        finds many, the matches are dense and the ordered scan fills a page at once.
        """
        match = PrefixMatch(q)
        matches = sa.union_all(*match.branches)
        capped = sa.select(matches.subquery().c.id).limit(SELECTIVE_MATCHES + 1).subquery()
        found = self.conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
        if found > SELECTIVE_MATCHES:
            return match.any_place
        if is_postgres(self.conn):
            # ANY(ARRAY(...)) is computed once, then each id is one primary-key lookup.
            return contacts.c.id == sa.any_(sa.func.array(matches.scalar_subquery()))
        return contacts.c.id.in_(matches)

    def sharing_identity_or_account(self, contact: Contact) -> list[Contact]:
        """Live contacts that share an email or phone, or work at the same account."""
        values = [row["value"] for row in identity_rows(contact)]
        sharing = sa.select(contact_identities.c.contact_id).where(contact_identities.c.value.in_(values))
        conditions: list[Any] = [contacts.c.id.in_(sharing)]
        if contact.account_id:
            conditions.append(contacts.c.account_id == contact.account_id)
        rows = self.conn.execute(
            sa.select(contacts)
            .where(sa.or_(*conditions), contacts.c.id != contact.id)
            .where(contacts.c.erased_at.is_(None), contacts.c.merged_into.is_(None))
            .limit(200)
        ).all()
        return [contact_from_row(row) for row in rows]

    def existing_identities(self, values: list[str]) -> set[str]:
        if not values:
            return set()
        rows = self.conn.execute(sa.select(contact_identities.c.value).where(contact_identities.c.value.in_(values)))
        return {row.value for row in rows}
