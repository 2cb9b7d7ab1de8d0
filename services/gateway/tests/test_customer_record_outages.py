"""The customer 360 when services are down: stored parts are still served, missing ones are named.

Its own stack, because it stops the contacts service and leaves a support queue that no
service consumes (a support service that has run before and is stopped now).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import amqp
import pytest

from crm_shared.publisher import connection_params
from crm_shared.testing import MigratedDatabases

from .conftest import Api, Containers, start_stack


@pytest.fixture
def stopped_support_service(amqp_uri: str) -> Iterator[None]:
    """The RPC queue of a support service that is not running: calls wait in it, unanswered."""
    connection = amqp.Connection(**connection_params(amqp_uri))
    connection.connect()
    channel = connection.channel()
    channel.exchange_declare("nameko-rpc", "topic", durable=True, auto_delete=False)
    channel.queue_declare("rpc-support", durable=True, auto_delete=False)
    channel.queue_bind("rpc-support", "nameko-rpc", "support.*")
    try:
        yield
    finally:
        channel.queue_delete("rpc-support")
        connection.close()


@pytest.fixture
def stack(
    stopped_support_service: None, amqp_uri: str, migrated_databases: MigratedDatabases
) -> Iterator[tuple[Api, Containers]]:
    containers = Containers(amqp_uri)
    try:
        yield start_stack(containers.start, migrated_databases, "postgresql"), containers
    finally:
        containers.stop_all()


def record(api: Api, contact_id: str) -> Any:
    return api.get(f"/api/v1/customers/{contact_id}")


def test_a_part_from_a_stopped_service_is_named_unavailable_and_the_rest_is_served(
    stack: tuple[Api, Containers],
) -> None:
    api, _ = stack
    contact = api.new_contact()

    response = record(api, contact["id"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert "support" in body["unavailable"]
    assert body["contact"]["id"] == contact["id"]


def test_the_stored_contact_is_served_while_the_contacts_service_is_stopped(stack: tuple[Api, Containers]) -> None:
    api, containers = stack
    contact = api.new_contact()
    assert record(api, contact["id"]).status_code == 200
    contacts_service = containers.started[0]

    contacts_service.stop()

    response = record(api, contact["id"])
    assert response.status_code == 200, response.text
    assert response.json()["contact"]["id"] == contact["id"]
    assert "contact" not in response.json()["unavailable"]
