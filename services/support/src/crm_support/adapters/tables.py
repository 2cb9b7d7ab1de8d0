"""The support service's tables; what the SLA scan and searches filter on are indexed columns."""

from __future__ import annotations

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, json_type, new_metadata
from crm_shared.plumbing import plumbing_tables

metadata = new_metadata()
plumbing = plumbing_tables(metadata)

calendars = sa.Table(
    "calendars",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("hours", json_type(), nullable=False),
    sa.Column("holidays", json_type(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

sla_policies = sa.Table(
    "sla_policies",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("contract_level", sa.String(50), nullable=False),
    sa.Column("priority", sa.String(20), nullable=False),
    sa.Column("first_response_minutes", sa.Integer(), nullable=False),
    sa.Column("resolution_minutes", sa.Integer(), nullable=False),
    sa.Column("calendar_id", sa.Uuid(), sa.ForeignKey("calendars.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("contract_level", "priority", name="uq_sla_policies_level_priority"),
)

support_contracts = sa.Table(
    "support_contracts",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("account_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("level", sa.String(50), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_until", sa.Date(), nullable=True),
    sa.Column("channels", json_type(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("conditions", json_type(), nullable=False),
    sa.Column("actions", json_type(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("account_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("requester_name", sa.String(200), nullable=True),
    sa.Column("requester_email", sa.String(254), nullable=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("description", sa.Text(), nullable=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("category", sa.String(100), nullable=True),
    sa.Column("priority", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("assignee", sa.String(200), nullable=True, index=True),
    sa.Column("team", sa.String(100), nullable=True, index=True),
    sa.Column("tags", json_type(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("first_responded_at", UTCDateTime(), nullable=True),
    sa.Column("solved_at", UTCDateTime(), nullable=True),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.Column("merged_into", sa.Uuid(), nullable=True),
    sa.Column("sla_level", sa.String(50), nullable=True),
    sa.Column("first_response_due_at", UTCDateTime(), nullable=True),
    sa.Column("first_response_warn_at", UTCDateTime(), nullable=True),
    sa.Column("resolution_due_at", UTCDateTime(), nullable=True),
    sa.Column("resolution_warn_at", UTCDateTime(), nullable=True),
    sa.Column("sla_paused_at", UTCDateTime(), nullable=True),
    sa.Column("sla_fired", json_type(), nullable=False),
    # The earliest unfired SLA milestone; NULL when none can fire (paused, met, all fired).
    sa.Column("sla_next_check_at", UTCDateTime(), nullable=True),
    sa.Column("fired_rule", json_type(), nullable=True),
    sa.Column("csat_score", sa.Integer(), nullable=True),
    sa.Column("csat_comment", sa.Text(), nullable=True),
    sa.Column("csat_at", UTCDateTime(), nullable=True),
    sa.Column("erased", sa.Boolean(), nullable=False),
    sa.Index("ix_tickets_created_at_id", "created_at", "id"),
    sa.Index(
        "ix_tickets_sla_next_check_at",
        "sla_next_check_at",
        postgresql_where=sa.text("sla_next_check_at IS NOT NULL"),
        sqlite_where=sa.text("sla_next_check_at IS NOT NULL"),
    ),
)

ticket_tags = sa.Table(
    "ticket_tags",
    metadata,
    sa.Column("ticket_id", sa.Uuid(), sa.ForeignKey("tickets.id"), primary_key=True),
    sa.Column("tag", sa.String(50), primary_key=True, index=True),
)

ticket_messages = sa.Table(
    "ticket_messages",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("ticket_id", sa.Uuid(), sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("author_type", sa.String(10), nullable=False),
    sa.Column("author", sa.String(200), nullable=True),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index("ix_ticket_messages_ticket_id_created_at", "ticket_id", "created_at", "id"),
)

ticket_attachments = sa.Table(
    "ticket_attachments",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("ticket_id", sa.Uuid(), sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("message_id", sa.Uuid(), sa.ForeignKey("ticket_messages.id"), nullable=True, index=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("storage_key", sa.String(500), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

ticket_history = sa.Table(
    "ticket_history",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("ticket_id", sa.Uuid(), sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("changes", json_type(), nullable=False),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Index("ix_ticket_history_ticket_id_occurred_at", "ticket_id", "occurred_at", "id"),
)

customer_tiers = sa.Table(
    "customer_tiers",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("tier", sa.String(20), nullable=True),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

erased_contacts = sa.Table(
    "erased_contacts",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("erased_at", UTCDateTime(), nullable=False),
)
