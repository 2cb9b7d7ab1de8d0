"""pytest plugin shared by every test tier: real RabbitMQ and PostgreSQL (and SQLite), never mocks.

Where the servers come from, in order: the URLs in ``TEST_AMQP_URI`` / ``TEST_POSTGRES_URL``
(or ``AMQP_URI``), the local servers when they answer, containers started with
testcontainers when a Docker engine is there; otherwise the test fails and says how
to start one. Each session gets its own RabbitMQ vhost (when ``rabbitmqctl`` is at
hand) and its own PostgreSQL databases, dropped at the end.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

# As ``nameko run`` does: every test runs green, as the services do in production.
eventlet.monkey_patch()

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import quote, urlparse, urlunparse  # noqa: E402

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from crm_shared.db import make_engine, normalise_url  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.publisher import connection_params  # noqa: E402

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _broker_answers(uri: str) -> bool:
    import amqp

    try:
        connection = amqp.Connection(connect_timeout=3, **connection_params(uri))
        connection.connect()
        connection.close()
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False
    return True


def _docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0


def _rabbitmqctl(*args: str) -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=60).returncode == 0


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """``check()``'s first truthy answer, or its last falsy one at the timeout: events arrive asynchronously."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(interval)


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """As ``eventually``, failing the test when the condition never holds."""
    answer = eventually(condition, timeout, interval)
    if not answer:
        raise AssertionError(f"the condition did not hold within {timeout} s")
    return answer


def delete_queues(amqp_uri: str, *queues: str) -> None:
    """Durable queues outlive the test that declared them; a test that counts starts from none."""
    import amqp

    connection = amqp.Connection(**connection_params(amqp_uri))
    connection.connect()
    try:
        channel = connection.channel()
        for queue in queues:
            channel.queue_delete(queue)
    finally:
        connection.close()


@pytest.fixture(scope="session")
def amqp_uri() -> Iterator[str]:
    """A broker URI with a vhost of this session's own where possible."""
    base = os.environ.get("TEST_AMQP_URI") or os.environ.get("AMQP_URI") or DEFAULT_AMQP
    if not _broker_answers(base):
        if not _docker_available():
            pytest.fail(
                f"RabbitMQ does not answer at {urlparse(base).hostname}:{urlparse(base).port or 5672} and "
                "there is no Docker engine to start one. Start it (`rabbitmq-server -detached`) "
                "or set TEST_AMQP_URI.",
                pytrace=False,
            )
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-alpine") as container:
            host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
            yield f"amqp://guest:guest@{host}:{port}/"
        return
    vhost = f"crm-test-{uuid.uuid4().hex[:8]}"
    user = connection_params(base)["userid"]
    if _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*"):
        parts = urlparse(base)
        yield urlunparse(parts._replace(path="/" + quote(vhost, safe="")))
        _rabbitmqctl("delete_vhost", vhost)
    else:
        yield base


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    try:
        engine = make_engine(url, pool_size=1, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        yield url
        return
    except sa.exc.OperationalError:
        pass
    if not _docker_available():
        pytest.fail(
            f"PostgreSQL does not answer at {urlparse(url).hostname}:{urlparse(url).port or 5432} and there is "
            "no Docker engine to start one. Start it (`pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start`) or set TEST_POSTGRES_URL.",
            pytrace=False,
        )
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:15-alpine", driver="psycopg2") as container:
        yield container.get_connection_url()


@pytest.fixture(scope="session")
def new_postgres_database(postgres_server: str) -> Iterator[Callable[[str], str]]:
    """Creates databases for this session and drops them at its end."""
    admin = sa.create_engine(normalise_url(postgres_server), isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create(label: str) -> str:
        name = f"crm_test_{uuid.uuid4().hex[:8]}_{label}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return urlunparse(urlparse(postgres_server)._replace(path="/" + name))

    yield create
    with admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect(request: pytest.FixtureRequest) -> str:
    """Runs a database test once on SQLite and once on PostgreSQL."""
    return str(request.param)


class MigratedDatabases:
    """One migrated database per dialect and schema for the session, emptied before each use."""

    def __init__(self, tmp_root: Path, new_postgres_database: Callable[[str], str]) -> None:
        self.tmp_root = tmp_root
        self.new_postgres_database = new_postgres_database
        self._urls: dict[tuple[str, str], str] = {}

    def url(self, dialect: str, migrations: Path, metadata: sa.MetaData) -> str:
        key = (dialect, str(migrations))
        if key not in self._urls:
            label = migrations.parent.name
            if dialect == "sqlite":
                url = f"sqlite:///{self.tmp_root / f'{label}-{uuid.uuid4().hex[:6]}.db'}"
            else:
                url = self.new_postgres_database(label.replace("crm_", ""))
            upgrade(migrations, url)
            self._urls[key] = url
        url = self._urls[key]
        empty_tables(url, metadata)
        return url


def empty_tables(url: str, metadata: sa.MetaData) -> None:
    engine = make_engine(url)
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_databases(
    tmp_path_factory: pytest.TempPathFactory, new_postgres_database: Callable[[str], str]
) -> MigratedDatabases:
    return MigratedDatabases(tmp_path_factory.mktemp("db"), new_postgres_database)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def run_service(amqp_uri: str) -> Iterator[Callable[..., Any]]:
    """Start nameko service containers with their own config; stopped after the test."""
    from nameko.containers import ServiceContainer

    containers: list[Any] = []

    def start(service_cls: type, **config: Any) -> Any:
        container = ServiceContainer(service_cls, {"AMQP_URI": amqp_uri, **config})
        container.start()
        containers.append(container)
        return container

    yield start
    for container in reversed(containers):
        container.stop()
