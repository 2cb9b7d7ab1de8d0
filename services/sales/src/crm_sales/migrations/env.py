"""Alembic environment of the sales service."""

from crm_sales.adapters.tables import metadata
from crm_shared.migrations import run_env

run_env(metadata)
