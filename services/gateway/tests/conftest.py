"""Gateway tests: the API tier, end to end over real HTTP.

Everything is real: the contacts service and the gateway run as nameko service
containers on the session's RabbitMQ vhost, each with its own migrated database
(PostgreSQL; the tests of ``test_on_both_databases.py`` also run on SQLite), and
tests talk to the gateway's web server with ``requests``. API keys are created in
the gateway's database through its unit of work, as ``crm apikeys create`` does.
Nothing is mocked.

Stopping a nameko container takes about two seconds (kombu drains the broker in
one-second steps), so the API tests share one running stack per module instead
of starting one per test with the function-scoped ``run_service``: those tests
make their own records and never assume an empty database. Tests that need a
stack of their own (the gateway without the contacts service) use
``run_service``. Only one stack runs at a time: two contacts services on one
vhost would share the ``rpc-contacts`` queue but not a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import eventlet
import pytest
import requests

from crm_contacts.adapters import tables as contacts_tables
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE as CONTACTS_PLUGIN
from crm_gateway.adapters import tables as gateway_tables
from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain.apikeys import ROLES, hash_secret, new_secret
from crm_gateway.entrypoints.service import GatewayService
from crm_gateway.plugin import SERVICE as GATEWAY_PLUGIN
from crm_shared.db import make_engine, utcnow
from crm_shared.publisher import connection_params
from crm_shared.testing import MigratedDatabases, delete_queues, eventually, free_port  # noqa: F401 - used by tests

GATEWAY_MIGRATIONS = GATEWAY_PLUGIN.migrations  # services/gateway/src/crm_gateway/migrations
CONTACTS_MIGRATIONS = CONTACTS_PLUGIN.migrations
MAX_BODY_BYTES = 4096  # small, so that a 413 is cheap to provoke
TIMEOUT = 15
# Services a contacts-and-gateway stack does not run. Their durable RPC queues, left by
# earlier modules, would hold the gateway's calls until the deadline; without them a call
# is unroutable and answered 503 at once, as for a service never deployed.
ABSENT_SERVICE_QUEUES = ("rpc-sales", "rpc-support", "rpc-marketing")


@dataclass
class Api:
    """A client of one running gateway, holding an API key of each role."""

    base_url: str
    keys: dict[str, str]
    gateway_db: str
    max_body_bytes: int = MAX_BODY_BYTES
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, path: str, role: str | None = "admin", **kwargs: Any) -> requests.Response:
        """``role=None`` sends no key; ``allow_redirects`` is off so that a 308 is seen as such."""
        headers = dict(kwargs.pop("headers", None) or {})
        if role is not None:
            headers.setdefault("Authorization", f"Bearer {self.keys[role]}")
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path: str, role: str | None = "admin", **kwargs: Any) -> requests.Response:
        return self.request("GET", path, role, **kwargs)

    def post(self, path: str, role: str | None = "admin", **kwargs: Any) -> requests.Response:
        return self.request("POST", path, role, **kwargs)

    def patch(self, path: str, role: str | None = "admin", **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, role, **kwargs)

    def delete(self, path: str, role: str | None = "admin", **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, role, **kwargs)

    def add_key(self, role: str, name: str = "test key") -> tuple[uuid.UUID, str]:
        return add_api_key(self.gateway_db, name, role)

    def revoke_key(self, key_id: uuid.UUID) -> None:
        revoke_api_key(self.gateway_db, key_id)

    def new_contact(self, **fields: Any) -> dict[str, Any]:
        """A contact made through the API; a unique last name keeps searches to this test's records."""
        fields = fields or {"first_name": "Ada", "last_name": f"Lovelace-{uuid.uuid4().hex[:8]}"}
        response = self.post("/api/v1/contacts", json=fields)
        assert response.status_code == 201, response.text
        return dict(response.json())


def add_api_key(database_url: str, name: str, role: str) -> tuple[uuid.UUID, str]:
    """A new active key of ``role`` as (id, secret); only the secret's hash is stored."""
    secret = new_secret()
    engine = make_engine(database_url)
    try:
        with GatewayUnitOfWork(engine, gateway_tables.plumbing) as uow:
            key_id = uow.api_keys.add(name, role, hash_secret(secret), utcnow())
            uow.commit()
    finally:
        engine.dispose()
    return key_id, secret


def revoke_api_key(database_url: str, key_id: uuid.UUID) -> None:
    engine = make_engine(database_url)
    try:
        with GatewayUnitOfWork(engine, gateway_tables.plumbing) as uow:
            assert uow.api_keys.revoke(key_id, utcnow())
            uow.commit()
    finally:
        engine.dispose()


def gateway_config(database_url: str, port: int, **overrides: Any) -> dict[str, Any]:
    return {
        "DATABASE_URL": database_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "MAX_BODY_BYTES": MAX_BODY_BYTES,
        "RPC_DEADLINE_SECONDS": 10,
        **overrides,
    }


def start_gateway(start: Callable[..., Any], migrated_databases: MigratedDatabases, dialect: str, **config: Any) -> Api:
    """The gateway on a fresh database of ``dialect``, with an API key per role.

    ``start(service_class, **config)`` starts a container: ``run_service`` or ``Containers.start``.
    """
    gateway_db = migrated_databases.url(dialect, GATEWAY_MIGRATIONS, gateway_tables.metadata)
    keys = {role: add_api_key(gateway_db, f"{role} key", role)[1] for role in ROLES}
    port = free_port()
    start(GatewayService, **gateway_config(gateway_db, port, **config))
    return Api(base_url=f"http://127.0.0.1:{port}", keys=keys, gateway_db=gateway_db)


def start_stack(start: Callable[..., Any], migrated_databases: MigratedDatabases, dialect: str) -> Api:
    """The contacts service and the gateway, both on fresh databases of ``dialect``."""
    contacts_db = migrated_databases.url(dialect, CONTACTS_MIGRATIONS, contacts_tables.metadata)
    start(ContactsService, DATABASE_URL=contacts_db)
    return start_gateway(start, migrated_databases, dialect)


class Containers:
    """``run_service`` for a wider scope: starts containers, stops them all at once at the end."""

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        self.started: list[Any] = []

    def start(self, service_cls: type, **config: Any) -> Any:
        from nameko.containers import ServiceContainer

        container = ServiceContainer(service_cls, {"AMQP_URI": self.amqp_uri, **config})
        container.start()
        self.started.append(container)
        return container

    def stop_all(self) -> None:
        stopping = [eventlet.spawn(container.stop) for container in self.started]
        for thread in stopping:
            thread.wait()


@pytest.fixture(scope="module")
def api(amqp_uri: str, migrated_databases: MigratedDatabases) -> Iterator[Api]:
    """The contacts service and the gateway on PostgreSQL, shared by the tests of a module."""
    delete_queues(amqp_uri, *ABSENT_SERVICE_QUEUES)
    containers = Containers(amqp_uri)
    try:
        client = start_stack(containers.start, migrated_databases, "postgresql")
        yield client
        client.session.close()
    finally:
        containers.stop_all()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_on_each_database(
    request: pytest.FixtureRequest, amqp_uri: str, migrated_databases: MigratedDatabases
) -> Iterator[Api]:
    """As ``api``, once with both services on SQLite and once on PostgreSQL."""
    delete_queues(amqp_uri, *ABSENT_SERVICE_QUEUES)
    containers = Containers(amqp_uri)
    try:
        client = start_stack(containers.start, migrated_databases, str(request.param))
        yield client
        client.session.close()
    finally:
        containers.stop_all()


@pytest.fixture
def gateway_without_contacts(
    run_service: Callable[..., Any], migrated_databases: MigratedDatabases, amqp_uri: str
) -> Iterator[Api]:
    """The gateway alone, answering within a short RPC deadline: the contacts service is down.

    The calls it makes wait in the contacts service's queue; they are purged afterwards so
    that the next contacts service started in this session does not answer them.
    """
    client = start_gateway(run_service, migrated_databases, "postgresql", RPC_DEADLINE_SECONDS=0.5)
    yield client
    client.session.close()
    purge_queue(amqp_uri, "rpc-contacts")


def purge_queue(amqp_uri: str, queue: str) -> None:
    import amqp

    connection = amqp.Connection(**connection_params(amqp_uri))
    connection.connect()
    try:
        channel = connection.channel()
        try:
            channel.queue_purge(queue)
        except amqp.exceptions.NotFound:  # never declared: nothing waits in it
            pass
    finally:
        connection.close()
