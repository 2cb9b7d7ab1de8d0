"""How the ``crm`` operator tool finds, migrates and runs the gateway (last, after the services)."""

from __future__ import annotations

from pathlib import Path

from crm_shared.service_plugin import ServicePlugin

SERVICE = ServicePlugin(
    name="gateway",
    module="crm_gateway.entrypoints.service",
    config=Path(__file__).parent / "config.yaml",
    migrations=Path(__file__).parent / "migrations",
    order=100,
)
