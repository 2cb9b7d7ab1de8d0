"""Each service's Dockerfile, checked by reading it (no Docker engine here to build one).

Slim Python base, a non-root user, a health check, a version label equal to the
service's own version, the migration command, and every path it copies present
in the repository and not excluded by .dockerignore.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from crm_shared.runtime.probe import DEFAULT_HEALTH_PORTS

ROOT = Path(__file__).parents[2]
# The services deployed so far; a new one joins with its Dockerfile, compose entries and manifests.
SERVICES = ("contacts", "gateway", "marketing", "sales", "support")


def instructions(service: str) -> list[tuple[str, str]]:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def final_stage(service: str) -> list[tuple[str, str]]:
    found = instructions(service)
    last_from = max(i for i, (op, _) in enumerate(found) if op == "FROM")
    return found[last_from:]


def ignored(path: str) -> bool:
    patterns = [
        p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip() and not p.startswith("#")
    ]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(prefix, pattern.rstrip("/")) for prefix in prefixes for pattern in patterns)


def pyproject(service: str) -> dict:
    return tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_slim_python_and_runs_as_a_user_that_is_not_root(service):
    base = next(arg for op, arg in instructions(service) if op == "ARG" and arg.startswith("PYTHON_IMAGE="))
    users = [arg for op, arg in final_stage(service) if op == "USER"]

    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11-slim(-\w+)?", base)
    assert users and users[-1].split(":")[0] not in ("root", "0")


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_has_a_health_check_by_a_module_that_exists(service):
    checks = [arg for op, arg in final_stage(service) if op == "HEALTHCHECK"]

    assert len(checks) == 1 and "CMD" in checks[0]
    assert "crm_shared.runtime.probe" in checks[0]
    assert importlib.util.find_spec("crm_shared.runtime.probe") is not None


@pytest.mark.parametrize("service", SERVICES)
def test_every_copied_path_exists_and_reaches_the_build_context(service):
    copies = [arg for op, arg in instructions(service) if op == "COPY" and not arg.startswith("--from")]

    assert copies
    for copy in copies:
        source = copy.split()[0]
        assert (ROOT / source).exists(), source
        assert not ignored(source.rstrip("/")), f"{source} is excluded by .dockerignore"


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_carries_the_services_own_version_and_runs_its_entrypoint(service):
    stage = final_stage(service)
    version = next(arg.split("=", 1)[1] for op, arg in stage if op == "ARG" and arg.startswith("VERSION="))
    command = next(arg for op, arg in stage if op == "CMD")
    environment = " ".join(arg for op, arg in stage if op == "ENV")
    package = f"crm_{service}"

    assert version == pyproject(service)["project"]["version"]
    assert f"crm_shared.runtime.runner {package}.entrypoints.service" in command
    assert f"site-packages/{package}/config.yaml" in environment
    assert "config.yaml" in pyproject(service)["tool"]["setuptools"]["package-data"][package]
    assert f"{service.upper()}_HEALTH_ADDRESS=0.0.0.0:{DEFAULT_HEALTH_PORTS[service]}" in environment
    assert str(DEFAULT_HEALTH_PORTS[service]) in next(arg for op, arg in stage if op == "EXPOSE")


@pytest.mark.parametrize("service", SERVICES)
def test_the_migration_step_is_documented_as_its_own_command(service):
    text = (ROOT / "services" / service / "Dockerfile").read_text()

    assert f"python -m crm_shared.runtime.migrate {service}" in text
    assert importlib.util.find_spec("crm_shared.runtime.migrate") is not None
