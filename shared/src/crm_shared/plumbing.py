"""Tables every service keeps beside its own: outbox, aggregate sequences, inbox, idempotency."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, json_type, utcnow


@dataclass(frozen=True)
class PlumbingTables:
    outbox: sa.Table
    sequences: sa.Table
    inbox: sa.Table
    idempotency: sa.Table


def plumbing_tables(metadata: sa.MetaData) -> PlumbingTables:
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False, index=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("envelope", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Index(
            "ix_outbox_pending",
            "id",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        ),
    )
    sequences = sa.Table(
        "aggregate_sequences",
        metadata,
        sa.Column("aggregate_id", sa.String(64), primary_key=True),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("event_id", sa.Uuid(), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=False, default=utcnow),
    )
    idempotency = sa.Table(
        "idempotency_keys",
        metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=True, index=True),
        sa.Column("result", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    )
    return PlumbingTables(outbox, sequences, inbox, idempotency)
