"""``crm apikeys``: a key is shown once, kept only as a hash, listed without it, and revocable."""

from __future__ import annotations

import re

import pytest

from crm_gateway.adapters.tables import plumbing
from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain.apikeys import hash_secret
from crm_shared import config
from crm_shared.db import make_engine

KEY = re.compile(r"^crm_[A-Za-z0-9_-]+$")


def stored_key(secret):
    """The active key the gateway would find for ``secret``, read from the database ``crm`` used."""
    engine = make_engine(config.database_url("gateway"))
    try:
        with GatewayUnitOfWork(engine, plumbing) as uow:
            return uow.api_keys.active_by_hash(hash_secret(secret))
    finally:
        engine.dispose()


def test_a_created_key_is_printed_once_prefixed_and_long_enough(crm, data_dir):
    run = crm("apikeys", "create", "--name", "billing sync", "--role", "sales")

    assert run.exit_code == 0
    secret = run.out.strip()
    assert KEY.match(secret)
    assert (len(secret) - len("crm_")) * 6 >= 128  # url-safe base64: six bits a character
    assert secret not in run.err and "not shown again" in run.err
    principal, key_hash = stored_key(secret)
    assert (principal.name, principal.role) == ("billing sync", "sales")
    assert key_hash == hash_secret(secret) != secret
    assert (data_dir / "gateway.db").is_file()


def test_keys_differ_every_time(crm, data_dir):
    secrets = {crm("apikeys", "create", "--name", f"k{i}", "--role", "readonly").out.strip() for i in range(3)}

    assert len(secrets) == 3


def test_the_list_names_each_key_and_its_role_but_never_its_secret(crm, data_dir):
    secret = crm("apikeys", "create", "--name", "reporting", "--role", "readonly").out.strip()
    crm("apikeys", "create", "--name", "admin console", "--role", "admin")

    run = crm("apikeys", "list")

    assert run.exit_code == 0
    lines = run.out.splitlines()
    assert len(lines) == 2
    assert "readonly" in lines[0] and "active" in lines[0] and lines[0].endswith("reporting")
    assert "admin" in lines[1] and lines[1].endswith("admin console")
    assert secret not in run.out and secret[4:] not in run.out and hash_secret(secret) not in run.out


def test_a_revoked_key_is_no_longer_active_and_is_listed_as_revoked(crm, data_dir):
    secret = crm("apikeys", "create", "--name", "leaked", "--role", "admin").out.strip()
    key_id = crm("apikeys", "list").out.split()[0]

    run = crm("apikeys", "revoke", key_id)

    assert run.exit_code == 0 and "revoked" in run.err
    assert stored_key(secret) is None
    assert "revoked" in crm("apikeys", "list").out
    assert crm("apikeys", "revoke", key_id).exit_code == 1


def test_revoking_needs_a_key_id(crm, data_dir):
    run = crm("apikeys", "revoke", "not-a-uuid")

    assert run.exit_code == 2 and "not a valid UUID" in run.err


@pytest.mark.parametrize(
    "args", [("--name", "x", "--role", "superuser"), ("--name", "   ", "--role", "admin"), ("--role", "admin")]
)
def test_a_key_needs_a_known_role_and_a_name(crm, data_dir, args):
    run = crm("apikeys", "create", *args)

    assert run.exit_code == 2
    assert run.out == ""
