"""Alembic environment of the marketing service."""

from crm_marketing.adapters.tables import metadata
from crm_shared.migrations import run_env

run_env(metadata)
