"""CLI tests: the ``crm`` command, run in-process through ``crm_cli.main.main``.

Everything is real: ``crm import`` and ``crm export`` talk over the session's
RabbitMQ vhost to a contacts service started with ``run_service`` on a migrated,
empty PostgreSQL database; ``crm apikeys`` migrates and writes a real SQLite
database under a temporary ``CRM_DATA_DIR``. Nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crm_contacts.adapters.tables import metadata as contacts_metadata
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE as CONTACTS_PLUGIN
from crm_shared.testing import MigratedDatabases


@dataclass
class Run:
    """What one ``crm`` invocation did."""

    exit_code: int
    out: str
    err: str


@pytest.fixture
def crm(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Runs ``crm ARGS...`` as the console script does, and returns its exit code and output."""
    from crm_cli.main import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code
        else:
            raise AssertionError("crm returned without exiting")
        captured = capsys.readouterr()
        exit_code = 0 if code is None else code if isinstance(code, int) else 1  # as the interpreter does
        return Run(exit_code, captured.out, captured.err)

    return run


@pytest.fixture
def broker(amqp_uri: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``crm`` finds the session's broker through ``AMQP_URI``, as an operator sets it."""
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    return amqp_uri


@pytest.fixture
def contacts_service(broker: str, run_service: Callable[..., Any], migrated_databases: MigratedDatabases) -> str:
    """A running contacts service on an empty PostgreSQL database; returns that database's URL."""
    assert CONTACTS_PLUGIN.migrations is not None
    url = migrated_databases.url("postgresql", CONTACTS_PLUGIN.migrations, contacts_metadata)
    run_service(ContactsService, DATABASE_URL=url)
    return url


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where ``crm`` keeps its SQLite databases when no ``<SERVICE>_DATABASE_URL`` is set."""
    directory = tmp_path / "var"
    monkeypatch.setenv("CRM_DATA_DIR", str(directory))
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    return directory
