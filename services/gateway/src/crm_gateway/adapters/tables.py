"""The gateway's own tables: API keys (hashes only) and the shared plumbing."""

from __future__ import annotations

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, new_metadata
from crm_shared.plumbing import plumbing_tables

metadata = new_metadata()
plumbing = plumbing_tables(metadata)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
)
