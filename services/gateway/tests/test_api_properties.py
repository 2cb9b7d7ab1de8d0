"""Property-based run of the whole API from its own OpenAPI document (schemathesis).

Generated requests, valid and not, to every operation of the services running here:
no answer is a 5xx and every answer matches the document (status, content type, schema).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from crm_contacts.adapters import tables as contacts_tables
from crm_contacts.entrypoints.service import ContactsService
from crm_gateway.http.openapi import build_spec
from crm_gateway.http.route import GATEWAY
from crm_gateway.http.routes import ROUTES
from crm_shared.testing import MigratedDatabases

from .conftest import CONTACTS_MIGRATIONS, Api, Containers, start_gateway

RUNNING_HERE = {"contacts", GATEWAY}
SCHEMA = schemathesis.openapi.from_dict(build_spec(tuple(r for r in ROUTES if r.service in RUNNING_HERE)))


@pytest.fixture(scope="module")
def stack(amqp_uri: str, migrated_databases: MigratedDatabases) -> Iterator[Api]:
    containers = Containers(amqp_uri)
    try:
        contacts_db = migrated_databases.url("postgresql", CONTACTS_MIGRATIONS, contacts_tables.metadata)
        containers.start(ContactsService, DATABASE_URL=contacts_db)
        yield start_gateway(
            containers.start, migrated_databases, "postgresql", RATE_LIMIT_PER_SECOND=10_000, MAX_BODY_BYTES=1 << 20
        )
    finally:
        containers.stop_all()


@SCHEMA.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_answer_is_a_server_error_and_every_answer_matches_the_document(case, stack: Api) -> None:
    case.call_and_validate(
        base_url=stack.base_url,
        headers={"Authorization": f"Bearer {stack.keys['admin']}"},
        # A request can fit the schema and still break a business rule (a contact needs a
        # name or an email; an account id must exist): a 422 for it is right, not a failure.
        excluded_checks=[checks.positive_data_acceptance],
    )
