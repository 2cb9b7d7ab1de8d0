"""docs/operations.md keeps up with the settings and metrics it documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from crm_shared.runtime.metrics import StateCollector, WorkerMetrics

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "operations.md").read_text()
# Services whose settings are settled; the others' tables are kept by hand as their settings land.
DOCUMENTED_SERVICES = ("contacts", "marketing")


def settings(service: str) -> set[str]:
    config = (ROOT / "services" / service / "src" / f"crm_{service}" / "config.yaml").read_text()
    return set(re.findall(r"\$\{([A-Z0-9_]+):", config))


def documented(name: str, service: str) -> bool:
    """Named in full, or in the table of settings every service has (``<SERVICE>_MAX_WORKERS``)."""
    generic = "<SERVICE>_" + name.removeprefix(f"{service.upper()}_")
    return f"`{name}`" in DOC or (name.startswith(f"{service.upper()}_") and f"`{generic}`" in DOC)


@pytest.mark.parametrize("service", DOCUMENTED_SERVICES)
def test_every_setting_of_the_service_is_documented(service):
    assert not {name for name in settings(service) if not documented(name, service)}


def test_every_metric_is_documented():
    registry = CollectorRegistry()
    WorkerMetrics("any", registry)
    registry.register(StateCollector("any", lambda: {}))
    names = {metric.name for metric in registry.collect()}

    missing = {name for name in names if name not in DOC and f"{name}_total" not in DOC}

    assert not missing
