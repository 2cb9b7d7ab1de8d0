"""The sales service's tables; money is NUMERIC with its currency beside it, never a float."""

from __future__ import annotations

import sqlalchemy as sa

from crm_shared.db import UTCDateTime, json_type, new_metadata
from crm_shared.plumbing import plumbing_tables

metadata = new_metadata()
plumbing = plumbing_tables(metadata)


def money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(18, 2, asdecimal=True), nullable=False)


def currency() -> sa.Column[object]:
    return sa.Column("currency", sa.String(3), nullable=False)


pipelines = sa.Table(
    "pipelines",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

stages = sa.Table(
    "stages",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("pipeline_id", sa.Uuid(), sa.ForeignKey("pipelines.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("probability", sa.Integer(), nullable=False),
    sa.UniqueConstraint("pipeline_id", "position", name="uq_stages_pipeline_position"),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False, index=True),
    money("unit_price"),
    currency(),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False),
    sa.Column("pipeline_id", sa.Uuid(), sa.ForeignKey("pipelines.id"), nullable=False),
    sa.Column("stage_id", sa.Uuid(), sa.ForeignKey("stages.id"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("account_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    money("amount"),
    currency(),
    sa.Column("probability", sa.Integer(), nullable=False),
    sa.Column("expected_close_date", sa.Date(), nullable=True),
    sa.Column("next_step", sa.String(500), nullable=True),
    sa.Column("products", json_type(), nullable=False),
    sa.Column("close_reason", sa.String(500), nullable=True),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.Column("lead_id", sa.Uuid(), nullable=True, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("last_activity_at", UTCDateTime(), nullable=False),
    sa.Column("stale_notified_at", UTCDateTime(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_opportunities_created_at_id", "created_at", "id"),
    sa.Index("ix_opportunities_name_key", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}),
    # Reports over open deals (pipeline value, weighted forecast) and the stale check read only these.
    sa.Index(
        "ix_opportunities_open_stage",
        "pipeline_id",
        "stage_id",
        "currency",
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    ),
    sa.Index(
        "ix_opportunities_open_activity",
        "last_activity_at",
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    ),
    sa.Index("ix_opportunities_status_closed_at", "status", "closed_at"),
)

stage_changes = sa.Table(
    "stage_changes",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("opportunity_id", sa.Uuid(), sa.ForeignKey("opportunities.id"), nullable=False, index=True),
    sa.Column("from_stage_id", sa.Uuid(), nullable=True),
    sa.Column("from_stage", sa.String(100), nullable=True),
    sa.Column("to_stage_id", sa.Uuid(), nullable=False),
    sa.Column("to_stage", sa.String(100), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=True),
    sa.Column("changed_at", UTCDateTime(), nullable=False),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("contact_id", sa.Uuid(), nullable=True),
    sa.Column("account_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("opportunity_id", sa.Uuid(), nullable=True, unique=True),
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    sa.Column("ordered_at", UTCDateTime(), nullable=False),
    currency(),
    money("total"),
    sa.Index("ix_orders_contact_ordered_at", "contact_id", "ordered_at"),
    sa.Index("ix_orders_ordered_at_id", "ordered_at", "id"),
)

# Lines repeat the order's time and currency so that product and period reports read one table.
order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("line_number", sa.Integer(), primary_key=True),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    sa.Column("product_name", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False),
    money("unit_price"),
    money("total"),
    currency(),
    sa.Column("ordered_at", UTCDateTime(), nullable=False),
    sa.Index("ix_order_lines_product_ordered_at", "product_id", "ordered_at"),
    sa.Index("ix_order_lines_ordered_at", "ordered_at"),
)

# Each customer's order totals per currency, kept in the transaction of every order (and merge,
# erasure): lifetime value, RFM and the top customers read ~1 row per customer, not every order.
customer_totals = sa.Table(
    "customer_totals",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("order_count", sa.Integer(), nullable=False),
    money("total"),
    sa.Column("first_order_at", UTCDateTime(), nullable=False),
    sa.Column("last_order_at", UTCDateTime(), nullable=False),
    sa.Index("ix_customer_totals_currency_total", "currency", "total"),
)

leads = sa.Table(
    "leads",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("first_name", sa.String(100), nullable=True),
    sa.Column("last_name", sa.String(100), nullable=True),
    sa.Column("email", sa.String(254), nullable=True, index=True),
    sa.Column("phone", sa.String(40), nullable=True),
    sa.Column("company", sa.String(200), nullable=True),
    sa.Column("job_title", sa.String(200), nullable=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("source", sa.String(200), nullable=True),
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    sa.Column("attributes", json_type(), nullable=False),
    sa.Column("activity", json_type(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("disqualify_reason", sa.String(500), nullable=True),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("contact_id", sa.Uuid(), nullable=True, index=True),
    sa.Column("account_id", sa.Uuid(), nullable=True),
    sa.Column("opportunity_id", sa.Uuid(), nullable=True),
    sa.Column("converted_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_leads_created_at_id", "created_at", "id"),
)

# Round-robin turns: one counter row per rotation, incremented under its row lock.
assignment_turns = sa.Table(
    "assignment_turns",
    metadata,
    sa.Column("rotation", sa.String(50), primary_key=True),
    sa.Column("turns", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
)

rfm_scores = sa.Table(
    "rfm_scores",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("recency", sa.Integer(), nullable=False),
    sa.Column("frequency", sa.Integer(), nullable=False),
    sa.Column("monetary", sa.Integer(), nullable=False),
    sa.Column("tier", sa.String(10), nullable=False, index=True),
    sa.Column("computed_at", UTCDateTime(), nullable=False),
)

# Contacts erased in the contacts service: nothing new is recorded about them.
erased_contacts = sa.Table(
    "erased_contacts",
    metadata,
    sa.Column("contact_id", sa.Uuid(), primary_key=True),
    sa.Column("erased_at", UTCDateTime(), nullable=False),
)

# Contacts merged into another: records made later for the merged id go to the survivor.
merged_contacts = sa.Table(
    "merged_contacts",
    metadata,
    sa.Column("merged_id", sa.Uuid(), primary_key=True),
    sa.Column("survivor_id", sa.Uuid(), nullable=False),
)
