"""Contacts stored with SQLAlchemy Core: one row, its identities and tags."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from crm_contacts.adapters.tables import accounts, contact_identities, contact_tags, contacts
from crm_contacts.domain.model import DOCUMENT_FIELDS, EMPTY_MARKETING, Contact
from crm_contacts.domain.normalise import phone_search_key, search_key
from crm_shared.db import insert_rows, is_postgres
from crm_shared.errors import StaleVersion
from crm_shared.pagination import cursor_key, like_prefix, page_after

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


# At most this many matching contacts are fetched by primary key and sorted; more, and the
# matches are dense enough for the scan in page order to fill a page at once. Deciding
# reads at most PROBE_HITS hits: one contact can match in several places (a first name and
# two emails), so the hits are counted, and the distinct contacts among them.
SELECTIVE_MATCHES = 1_000
PROBE_HITS = 2_000
LIVE = (contacts.c.erased_at.is_(None), contacts.c.merged_into.is_(None))
# An empty text, tag, date or cursor means "not filtered"; a column filter is applied as given.
GIVEN_WHEN_NOT_EMPTY = ("q", "tag", "updated_since", "cursor")
COLUMN_FILTERS = ("lifecycle_stage", "owner", "account_id")


def _prefix(column: Any, parameter: str) -> Any:
    return column.like(sa.bindparam(parameter), escape="\\")


def _any_of(column: Any, ids: sa.Select[Any], postgres: bool) -> Any:
    """``column IN (ids)``; on PostgreSQL ``= ANY(ARRAY(ids))``, computed once and then looked
    up in the column's index, where a join planned for many rows would read the whole table."""
    return column == sa.any_(sa.func.array(ids.scalar_subquery())) if postgres else column.in_(ids)


def _prefix_match(shape: frozenset[str], postgres: bool) -> tuple[list[Any], Any]:
    """Where ``:pattern`` (and ``:phone_pattern``) can match: each place as an index-served
    select of contact ids, and all places as one condition on ``contacts``.

    The full name ("first last") can only match where the first or last name does unless
    the pattern has a space, so it is looked at only then.
    """
    name_keys = NAME_KEYS if "spaced" in shape else ("first_key", "last_key")
    names = [_prefix(contacts.c[key], "pattern") for key in name_keys]
    identities = [
        sa.select(contact_identities.c.contact_id.label("id")).where(_prefix(contact_identities.c.value, parameter))
        for parameter in ("pattern", *(["phone_pattern"] if "phone" in shape else []))
    ]
    companies = sa.select(accounts.c.id).where(_prefix(accounts.c.name_key, "pattern"))
    branches = [
        *(sa.select(contacts.c.id).where(name) for name in names),
        *identities,
        sa.select(contacts.c.id).where(_any_of(contacts.c.account_id, companies, postgres)),
    ]
    any_place = sa.or_(*names, *(contacts.c.id.in_(i) for i in identities), contacts.c.account_id.in_(companies))
    return branches, any_place


def _matches(shape: frozenset[str], postgres: bool) -> tuple[Any, Any, Any]:
    """The first ``:probe`` hits of the pattern in each place's own index (a CTE), whether
    they are all of them and few enough contacts to fetch by primary key, and all places as
    one condition on ``contacts``."""
    branches, any_place = _prefix_match(shape, postgres)
    # A limit on each place too: planned for the whole table, the company branch hashed
    # every contact where an index lookup per matching company reads a few hundred.
    capped = [sa.select(b.limit(sa.bindparam("probe")).subquery().c.id) for b in branches]
    matches = sa.select(sa.union_all(*capped).subquery().c.id).limit(sa.bindparam("probe")).cte("matches")
    selective = sa.and_(
        sa.func.count() < sa.bindparam("probe"),
        sa.func.count(sa.distinct(matches.c.id)) <= sa.bindparam("selective"),
    )
    return matches, selective, any_place


def _filter_conditions(shape: frozenset[str]) -> list[Any]:
    conditions: list[Any] = list(LIVE)
    if "tag" in shape:
        conditions.append(
            contacts.c.id.in_(sa.select(contact_tags.c.contact_id).where(contact_tags.c.tag == sa.bindparam("tag")))
        )
    conditions.extend(contacts.c[name] == sa.bindparam(name) for name in COLUMN_FILTERS if name in shape)
    if "updated_since" in shape:
        conditions.append(contacts.c.updated_at >= sa.bindparam("updated_since"))
    if "cursor" in shape:
        after = sa.tuple_(
            sa.bindparam("after_first", type_=contacts.c.created_at.type),
            sa.bindparam("after_id", type_=contacts.c.id.type),
        )
        conditions.append(sa.tuple_(contacts.c.created_at, contacts.c.id) > after)
    return conditions


def _page(conditions: list[Any]) -> sa.Select[Any]:
    return (
        sa.select(contacts)
        .where(*conditions)
        .order_by(contacts.c.created_at, contacts.c.id)
        .limit(sa.bindparam("fetch"))
    )


@lru_cache(maxsize=256)
def search_statement(shape: frozenset[str], postgres: bool) -> sa.Select[Any]:
    """The one statement of a search with these filters present, their values as parameters.

    Composing it per request cost more than running it. A text search looks in each place's
    own index first (``matches``). When that finds all the hits and few contacts (a whole
    email, a rare name), the first branch fetches them by primary key and sorts them; an OR
    of the places would otherwise scan the table in page order looking for them. When it
    finds more, the matches are dense and the second branch's ordered scan fills a page at
    once. The decision is computed once and the branch not chosen is never run.
    """
    conditions = _filter_conditions(shape)
    if "q" not in shape:
        return _page(conditions)
    matches, decision, any_place = _matches(shape, postgres)
    selective = sa.select(decision).select_from(matches).scalar_subquery()
    by_id = _any_of(contacts.c.id, sa.select(matches.c.id), postgres)
    few = _page([selective, by_id, *conditions]).subquery("few")
    many = _page([sa.not_(selective), any_place, *conditions]).subquery("many")
    page = sa.union_all(sa.select(few), sa.select(many)).subquery("page")
    return sa.select(page).order_by(page.c.created_at, page.c.id)


def probe_statement(shape: frozenset[str], postgres: bool) -> sa.Select[int, int, bool]:
    """How a text search decides between its two paths, as ``search_statement`` decides it
    in its query: the hits read, the distinct contacts among them, and whether they go to
    the primary-key path (a diagnostic)."""
    matches, decision, _ = _matches(shape, postgres)
    return sa.select(sa.func.count(), sa.func.count(sa.distinct(matches.c.id)), decision).select_from(matches)


def search_parameters(filters: dict[str, Any], limit: int) -> tuple[frozenset[str], dict[str, Any]]:
    """The shape of a search (which filters it has) and the values of its parameters."""
    shape = {name for name in GIVEN_WHEN_NOT_EMPTY if filters.get(name)}
    shape.update(name for name in COLUMN_FILTERS if filters.get(name) is not None)
    values: dict[str, Any] = {name: filters[name] for name in (*COLUMN_FILTERS, "updated_since") if name in shape}
    values["fetch"] = limit + 1
    if "q" in shape:
        key = search_key(filters["q"]) or ""
        pattern = like_prefix(key)
        values.update(pattern=pattern, probe=PROBE_HITS + 1, selective=SELECTIVE_MATCHES)
        if " " in key:
            shape.add("spaced")
        phone = phone_search_key(filters["q"])
        if phone and like_prefix(phone) != pattern:  # "+1415" as text and as a phone: look it up once
            shape.add("phone")
            values["phone_pattern"] = like_prefix(phone)
    if "tag" in shape:
        values["tag"] = search_key(filters["tag"])
    if "cursor" in shape:
        values["after_first"], values["after_id"] = cursor_key(filters["cursor"], contacts.c.created_at, contacts.c.id)
    return frozenset(shape), values


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
        insert_rows(self.conn, contacts, [contact_row(c) for c in batch])
        insert_rows(self.conn, contact_identities, [row for c in batch for row in identity_rows(c)])
        insert_rows(self.conn, contact_tags, [row for c in batch for row in tag_rows(c)])

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
        shape, values = search_parameters(filters, limit)
        rows = self.conn.execute(search_statement(shape, is_postgres(self.conn)), values).all()
        return page_after([contact_from_row(row) for row in rows], limit, lambda c: (c.created_at, c.id))

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
