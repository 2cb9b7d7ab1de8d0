"""The gateway's own tables: API keys (hashes only), the customer 360 record, the shared plumbing."""

from __future__ import annotations

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, json_type, new_metadata
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

# The customer 360: each service's newest part per contact, kept from its events.
# ``data`` null means "refetch live": the part is known to be outdated (after a merge)
# while its ``sequence`` still guards against an older event arriving late.
customer_parts = sa.Table(
    "customer_parts",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("part", sa.String(20), primary_key=True),
    sa.Column("data", json_type(), nullable=True),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("as_of", UTCDateTime(), nullable=True),
    sa.Column("account_id", sa.Uuid(), nullable=True),
)

customer_accounts = sa.Table(
    "customer_accounts",
    metadata,
    sa.Column("account_id", sa.Uuid(), primary_key=True),
    sa.Column("data", json_type(), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("as_of", UTCDateTime(), nullable=True),
)

# A merged contact's id answers 308 to its survivor, an erased one 410; late events for either are ignored.
customer_fates = sa.Table(
    "customer_fates",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("fate", sa.String(10), nullable=False),
    sa.Column("survivor_id", sa.Uuid(), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)

timeline_entries = sa.Table(
    "timeline_entries",
    metadata,
    sa.Column("event_id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), nullable=False),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("service", sa.String(20), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("aggregate_id", sa.String(64), nullable=False),
    sa.Column("data", json_type(), nullable=False),
    sa.Index("ix_timeline_entries_contact_newest", "contact_id", "occurred_at", "event_id"),
)

# Every write through the API: who (key), what (route, target), when, from where, and the outcome.
# No bodies: they hold personal data, and the services keep the history of what changed.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("key_id", sa.String(36), nullable=False),
    sa.Column("key_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("route", sa.String(100), nullable=False),
    sa.Column("path", sa.String(500), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("client_address", sa.String(100), nullable=True),
    sa.Column("correlation_id", sa.String(100), nullable=True),
    sa.Index("ix_audit_log_at", "at", "id"),
    sa.Index("ix_audit_log_key_at", "key_id", "at"),
)

# Every event the gateway received, kept for replay (retention: EVENT_LOG_RETENTION_DAYS).
# ``contact_id`` lets an erasure remove the personal data events carry.
event_log = sa.Table(
    "event_log",
    metadata,
    sa.Column("event_id", sa.Uuid(), primary_key=True),
    sa.Column("producer", sa.String(20), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("aggregate_id", sa.String(64), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("envelope", json_type(), nullable=False),
    sa.Index("ix_event_log_type_time", "type", "occurred_at"),
    sa.Index("ix_event_log_time", "occurred_at"),
)

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("event_types", json_type(), nullable=False),  # patterns: "contact.created", "ticket.*", "*"
    # Kept readable (not hashed): signing needs it. The previous one signs too until it expires.
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("previous_secret", sa.String(100), nullable=True),
    sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
    sa.Column("state", sa.String(10), nullable=False),  # active | disabled
    sa.Column("consecutive_failures", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("disabled_at", UTCDateTime(), nullable=True),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("endpoint_id", sa.Uuid(), sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_id", sa.Uuid(), nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("envelope", json_type(), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("last_status", sa.Integer(), nullable=True),
    sa.Column("last_error", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("retry_until", UTCDateTime(), nullable=False),  # then it is failed; a redelivery starts anew
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
)
