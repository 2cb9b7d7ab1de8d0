"""deploy/compose.yaml against the Compose Specification's JSON schema, and against the repository.

The schema is the one check-jsonschema vendors (``vendor.compose-spec``); the rest
checks what the schema cannot: each service migrates before it starts, and every
path the file names exists.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
# The services deployed so far; a new one joins with its Dockerfile, compose entries and manifests.
SERVICES = ("contacts", "gateway", "marketing", "sales", "support")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # The C loader: nameko, once imported in this process, teaches yaml.SafeLoader to expand
    # ${...} its own way, which is not Compose's.
    return dict(yaml.load(COMPOSE.read_text(), Loader=yaml.CSafeLoader))


def compose_spec() -> dict[str, Any]:
    text = files("check_jsonschema.builtin_schemas").joinpath("vendor/compose-spec.json").read_text()
    return dict(json.loads(text))


def test_the_file_matches_the_compose_specification(compose):
    schema = compose_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]

    assert not errors, errors


def test_a_misspelt_key_fails_the_schema(compose):
    broken = {
        **compose,
        "services": {**compose["services"], "rabbitmq": {**compose["services"]["rabbitmq"], "imag": "x"}},
    }
    schema = compose_spec()

    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_after_its_own_migration_on_its_own_database(compose, service):
    services = compose["services"]
    migration, running = services[f"{service}-migrate"], services[service]
    url_key = f"{service.upper()}_DATABASE_URL"

    assert migration["command"] == ["python", "-m", "crm_shared.runtime.migrate", service]
    assert migration["image"] == running["image"]
    assert running["depends_on"][f"{service}-migrate"] == {"condition": "service_completed_successfully"}
    assert running["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}
    assert migration["environment"][url_key] == running["environment"][url_key]
    assert running["environment"][url_key].endswith(f"@postgres:5432/{service}")
    assert "AMQP_URI" in running["environment"]
    assert (ROOT / running["build"]["dockerfile"]).exists()
    assert running["build"]["context"] == ".."


def test_postgres_creates_one_database_per_service_and_rabbitmq_has_its_management_ui(compose):
    postgres, rabbitmq = compose["services"]["postgres"], compose["services"]["rabbitmq"]

    assert set(postgres["environment"]["CRM_DATABASES"].split()) == set(SERVICES)
    for volume in postgres["volumes"]:
        if volume.startswith("./"):
            assert (COMPOSE.parent / volume.split(":")[0]).exists()
    assert "management" in rabbitmq["image"]
    assert "15672:15672" in rabbitmq["ports"]


def test_the_gateway_publishes_the_api_port(compose):
    assert "8000:8000" in compose["services"]["gateway"]["ports"]
