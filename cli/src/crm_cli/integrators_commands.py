"""``crm integrators create|list|revoke``: RabbitMQ users for those who subscribe to our events."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(commands: Any) -> None:
    integrators = commands.add_parser("integrators", help="broker users for event subscribers")
    actions = integrators.add_subparsers(dest="what", required=True)
    create = actions.add_parser("create", help="create a user; prints its AMQP URI once")
    create.add_argument("name", help="lowercase letters, digits, - or _ (up to 40)")
    create.set_defaults(run=_create)
    actions.add_parser("list", help="integrators that may use this broker").set_defaults(run=_list)
    revoke = actions.add_parser("revoke", help="delete the user, close its connections, drop its queues")
    revoke.add_argument("name")
    revoke.set_defaults(run=_revoke)


def _create(args: argparse.Namespace) -> int:
    from crm_cli import integrators
    from crm_cli.rabbitmq_admin import AdminConflict

    def work(admin: Any, amqp_uri: str) -> int:
        try:
            uri = integrators.create(admin, args.name, amqp_uri)
        except AdminConflict:
            print(f"crm: integrator {args.name} exists already; revoke it first to make a new one.", file=sys.stderr)
            return 1
        print(uri)
        print(
            f"crm: created integrator {args.name}; the password is in the URI above and is not shown again. "
            f"Its queues must be named {integrators.queue_prefix(args.name)}<anything>.",
            file=sys.stderr,
        )
        return 0

    return _with_admin(work, args.name)


def _list(args: argparse.Namespace) -> int:
    from crm_cli import integrators

    def work(admin: Any, amqp_uri: str) -> int:
        for name in integrators.listed(admin):
            print(name)
        return 0

    return _with_admin(work, None)


def _revoke(args: argparse.Namespace) -> int:
    from crm_cli import integrators

    def work(admin: Any, amqp_uri: str) -> int:
        if not integrators.revoke(admin, args.name):
            print(f"crm: no integrator named {args.name}", file=sys.stderr)
            return 1
        print(f"crm: revoked integrator {args.name}", file=sys.stderr)
        return 0

    return _with_admin(work, args.name)


def _with_admin(work: Any, name: str | None) -> int:
    """Runs ``work`` with a management API client; bad names and an unreachable API are one clear line."""
    from crm_cli.integrators import NAME
    from crm_cli.rabbitmq_admin import AdminUnavailable, RabbitAdmin
    from crm_shared import config

    if name is not None and not NAME.match(name):
        print(f"crm: not an integrator name: {name!r} (lowercase letters, digits, - or _; up to 40)", file=sys.stderr)
        return 2
    amqp_uri = config.amqp_uri()
    try:
        return int(work(RabbitAdmin.from_amqp_uri(amqp_uri), amqp_uri))
    except AdminUnavailable as error:
        print(error, file=sys.stderr)
        return 1
