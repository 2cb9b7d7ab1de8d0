"""``crm apikeys``: create (shown once), list and revoke the gateway's API keys."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crm_gateway.adapters.tables import plumbing
from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain.apikeys import ROLES, hash_secret, new_secret
from crm_gateway.plugin import SERVICE
from crm_shared import config
from crm_shared.db import make_engine, utcnow


def register(commands: Any) -> None:
    apikeys = commands.add_parser("apikeys", help="manage API keys").add_subparsers(dest="action", required=True)
    create = apikeys.add_parser("create", help="create a key; it is printed once")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.set_defaults(run=_create)
    apikeys.add_parser("list", help="list keys (never the secrets)").set_defaults(run=_list)
    revoke = apikeys.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)


@contextmanager
def _unit_of_work() -> Iterator[GatewayUnitOfWork]:
    """A unit of work on the migrated gateway database; the engine is closed with it."""
    SERVICE.migrate()
    engine = make_engine(config.database_url(SERVICE.name))
    try:
        with GatewayUnitOfWork(engine, plumbing) as uow:
            yield uow
    finally:
        engine.dispose()


def _create(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not 1 <= len(name) <= 100:
        print("crm: --name must be 1 to 100 characters", file=sys.stderr)
        return 2
    secret = new_secret()
    with _unit_of_work() as uow:
        key_id = uow.api_keys.add(name, args.role, hash_secret(secret), utcnow())
        uow.commit()
    print(secret)
    print(f"crm: created key {key_id} ({args.role}); store it now, it is not shown again", file=sys.stderr)
    return 0


def _list(_: argparse.Namespace) -> int:
    with _unit_of_work() as uow:
        for key in uow.api_keys.all():
            state = f"revoked {key['revoked_at']:%Y-%m-%d}" if key["revoked_at"] else "active"
            print(f"{key['id']}  {key['role']:<9}  {state:<18}  {key['name']}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        key_id = uuid.UUID(args.key_id)
    except ValueError:
        print("crm: key_id is not a valid UUID", file=sys.stderr)
        return 2
    with _unit_of_work() as uow:
        revoked = uow.api_keys.revoke(key_id, utcnow())
        uow.commit()
    print("revoked" if revoked else "no such active key", file=sys.stderr)
    return 0 if revoked else 1
