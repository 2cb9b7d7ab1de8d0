"""The contacts service's tables; searchable fields are columns, the rest one JSON document."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, json_type, new_metadata
from crm_shared.plumbing import plumbing_tables

metadata = new_metadata()
plumbing = plumbing_tables(metadata)


def _prefix_index(name: str, column: str, *, carrying: str | None = None) -> sa.Index:
    # text_pattern_ops lets PostgreSQL serve LIKE 'prefix%' from the index in any collation;
    # the contact id carried along lets a search find who matches from the index alone.
    include: dict[str, Any] = {"postgresql_include": [carrying]} if carrying else {}
    return sa.Index(name, column, postgresql_ops={column: "text_pattern_ops"}, **include)


accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False),
    sa.Column("domain", sa.String(253), nullable=True, index=True),
    sa.Column("industry", sa.String(100), nullable=True),
    sa.Column("size", sa.String(20), nullable=True),
    sa.Column("address", json_type(), nullable=True),
    sa.Column("parent_account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    _prefix_index("ix_accounts_name_key", "name_key"),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("first_name", sa.String(100), nullable=True),
    sa.Column("last_name", sa.String(100), nullable=True),
    sa.Column("first_key", sa.String(100), nullable=True),
    sa.Column("last_key", sa.String(100), nullable=True),
    sa.Column("full_key", sa.String(201), nullable=True),
    sa.Column("job_title", sa.String(200), nullable=True),
    sa.Column("account_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    sa.Column("lifecycle_stage", sa.String(20), nullable=False, index=True),
    sa.Column("source", sa.String(200), nullable=True),
    sa.Column("provenance", sa.String(30), nullable=False),
    sa.Column("document", json_type(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("merged_into", sa.Uuid(), nullable=True),
    sa.Column("erased_at", UTCDateTime(), nullable=True),
    _prefix_index("ix_contacts_first_key", "first_key", carrying="id"),
    _prefix_index("ix_contacts_last_key", "last_key", carrying="id"),
    _prefix_index("ix_contacts_full_key", "full_key"),
    sa.Index("ix_contacts_created_at_id", "created_at", "id"),
)

# Every email and phone of a contact, normalised: search, duplicate detection.
contact_identities = sa.Table(
    "contact_identities",
    metadata,
    sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("contacts.id"), primary_key=True),
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("value", sa.String(254), primary_key=True),
    _prefix_index("ix_contact_identities_value", "value", carrying="contact_id"),
)

contact_tags = sa.Table(
    "contact_tags",
    metadata,
    sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("contacts.id"), primary_key=True),
    sa.Column("tag", sa.String(50), primary_key=True),
    sa.Index("ix_contact_tags_tag", "tag"),
)

consent_entries = sa.Table(
    "consent_entries",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("contacts.id"), nullable=False, index=True),
    sa.Column("purpose", sa.String(30), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("evidence", sa.Text(), nullable=True),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)

interactions = sa.Table(
    "interactions",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("contacts.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("direction", sa.String(10), nullable=True),
    sa.Column("channel", sa.String(50), nullable=True),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Index("ix_interactions_contact_time", "contact_id", "occurred_at"),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("contacts.id"), nullable=False, index=True),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    sa.Column("notes", sa.Text(), nullable=True),
    sa.Column("done", sa.Boolean(), nullable=False),
    sa.Column("done_at", UTCDateTime(), nullable=True),
    sa.Column("reminded_at", UTCDateTime(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index(
        "ix_tasks_awaiting_reminder",
        "due_at",
        postgresql_where=sa.text("reminded_at IS NULL AND NOT done"),
        sqlite_where=sa.text("reminded_at IS NULL AND NOT done"),
    ),
)
