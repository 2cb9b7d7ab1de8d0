"""Alembic environment of the contacts service."""

from crm_contacts.adapters.tables import metadata
from crm_shared.migrations import run_env

run_env(metadata)
