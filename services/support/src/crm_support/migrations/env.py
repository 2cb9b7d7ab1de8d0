"""Alembic environment of the support service."""

from crm_shared.migrations import run_env
from crm_support.adapters.tables import metadata

run_env(metadata)
