"""The marketing service's tables: its read model of the audience, segments, campaigns and sends."""

from __future__ import annotations

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, json_type, new_metadata
from crm_shared.plumbing import plumbing_tables

metadata = new_metadata()
plumbing = plumbing_tables(metadata)


def _money(prefix: str) -> list[sa.Column[object]]:
    return [
        sa.Column(f"{prefix}_amount", sa.Numeric(17, 2), nullable=True),
        sa.Column(f"{prefix}_currency", sa.String(3), nullable=True),
    ]


# The facts marketing segments on, kept from other services' events (never read from their databases).
audience = sa.Table(
    "audience",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("first_name", sa.String(100), nullable=True),
    sa.Column("last_name", sa.String(100), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("lifecycle_stage", sa.String(20), nullable=True, index=True),
    sa.Column("owner", sa.String(200), nullable=True),
    sa.Column("email_consent", sa.Boolean(), nullable=False, default=False),
    sa.Column("unsubscribed", sa.Boolean(), nullable=False, default=False),
    sa.Column("hard_bounced", sa.Boolean(), nullable=False, default=False),
    sa.Column("rfm_recency", sa.SmallInteger(), nullable=True),
    sa.Column("rfm_frequency", sa.SmallInteger(), nullable=True),
    sa.Column("rfm_monetary", sa.SmallInteger(), nullable=True),
    sa.Column("value_tier", sa.String(20), nullable=True, index=True),
    sa.Column("last_order_at", UTCDateTime(), nullable=True),
    sa.Column("open_tickets", sa.Integer(), nullable=False, default=0),
    sa.Column("last_interaction_at", UTCDateTime(), nullable=True),
    # Last applied per-aggregate sequence of each producer: older events are skipped.
    sa.Column("contacts_sequence", sa.Integer(), nullable=False, default=0),
    sa.Column("sales_sequence", sa.Integer(), nullable=False, default=0),
    sa.Column("support_sequence", sa.Integer(), nullable=False, default=0),
    sa.Column("consent_sequence", sa.Integer(), nullable=False, default=0),
    sa.Column("merged_into", sa.Uuid(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# Multi-valued facts: tags, interests, demographics.<key>, preferences.<key>.
audience_facts = sa.Table(
    "audience_facts",
    metadata,
    sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("audience.contact_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("value", sa.String(200), primary_key=True),
    # The contacts with a fact, read from the index alone; see adapters/segment_sql.py.
    sa.Index("ix_audience_facts_name_value_contact", "name", "value", "contact_id"),
)

# A contact whose erasure was applied: no later or replayed event brings it back.
erased_contacts = sa.Table(
    "erased_contacts",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("erased_at", UTCDateTime(), nullable=False),
)

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.String(2000), nullable=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("rules", json_type(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_segments_created_at_id", "created_at", "id"),
)

segment_members = sa.Table(
    "segment_members",
    metadata,
    sa.Column("segment_id", sa.Uuid(), sa.ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("joined_at", UTCDateTime(), nullable=False),
    sa.Index("ix_segment_members_contact_id", "contact_id"),
)

# Membership changes of a bulk (re)evaluation, announced by a timer in batches (see service_layer.segments).
membership_announcements = sa.Table(
    "membership_announcements",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("segment_id", sa.Uuid(), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("change", sa.String(10), nullable=False),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("segment_ids", json_type(), nullable=False),
    sa.Column("exclude_segment_ids", json_type(), nullable=False),
    sa.Column("variants", json_type(), nullable=False),
    *_money("budget"),
    *_money("cost"),
    sa.Column("attribution_days", sa.Integer(), nullable=False),
    sa.Column("send_at", UTCDateTime(), nullable=True),
    sa.Column("launched_at", UTCDateTime(), nullable=True),
    sa.Column("completed_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_campaigns_created_at_id", "created_at", "id"),
)

# One row per campaign and contact: pending -> sending -> sent (or skipped / failed / uncertain).
sends = sa.Table(
    "sends",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("campaign_id", sa.Uuid(), sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=True),
    sa.Column("variant", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("skip_reason", sa.String(40), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False, default=0),
    sa.Column("claimed_at", UTCDateTime(), nullable=True),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    # A won opportunity of the contact up to this time counts as this message's conversion.
    sa.Column("attribution_until", UTCDateTime(), nullable=True),
    sa.Column("bounced_at", UTCDateTime(), nullable=True),
    sa.Column("hard_bounce", sa.Boolean(), nullable=True),
    sa.Column("opened_at", UTCDateTime(), nullable=True),
    sa.Column("clicked_at", UTCDateTime(), nullable=True),
    sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
    sa.Column("replied_at", UTCDateTime(), nullable=True),
    sa.Column("consent_withdrawn_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("campaign_id", "contact_id", name="uq_sends_campaign_contact"),
    sa.Index("ix_sends_campaign_status", "campaign_id", "status"),
    sa.Index("ix_sends_contact_id", "contact_id"),
)

# Each response as it happened (a click counted once per send in stats, logged every time).
responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("send_id", sa.BigInteger(), sa.ForeignKey("sends.id"), nullable=False, index=True),
    sa.Column("campaign_id", sa.Uuid(), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
)

# Won opportunities (from sales.events), attributed to campaigns when the stats are read.
conversions = sa.Table(
    "conversions",
    metadata,
    sa.Column("opportunity_id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("amount", sa.Numeric(17, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("won_at", UTCDateTime(), nullable=False),
)
