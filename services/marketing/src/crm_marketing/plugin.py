"""How the ``crm`` operator tool finds, migrates and runs this service."""

from __future__ import annotations

from pathlib import Path

from crm_shared.service_plugin import ServicePlugin

SERVICE = ServicePlugin(
    name="marketing",
    module="crm_marketing.entrypoints.service",
    config=Path(__file__).parent / "config.yaml",
    migrations=Path(__file__).parent / "migrations",
)
