"""``crm``: the operator's tool. Services add commands through the ``crm.commands`` entry points."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from crm_cli import events_commands, integrators_commands


def _up(_: argparse.Namespace) -> int:
    from crm_cli.up import up

    return up()


def _migrate(_: argparse.Namespace) -> int:
    from crm_cli.up import migrate_all
    from crm_shared.service_plugin import installed_services

    migrate_all(installed_services())
    return 0


RPC_TIMEOUT_SECONDS = 120


class Unreachable(Exception):
    """The broker or the contacts service cannot be reached; the message says which and what to do."""


def _rpc():  # type: ignore[no-untyped-def]
    from nameko.standalone.rpc import ClusterRpcProxy

    import crm_shared.runtime  # noqa: F401 - typed errors come back as themselves
    from crm_cli.broker import broker_answers, broker_missing_message, service_is_running
    from crm_shared import config

    amqp_uri = config.amqp_uri()
    if not broker_answers(amqp_uri):
        raise Unreachable(broker_missing_message(amqp_uri))
    if not service_is_running(amqp_uri, "contacts"):
        raise Unreachable("crm: the contacts service is not running; start it with `crm up`.")
    return ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=RPC_TIMEOUT_SECONDS)


@contextmanager
def _contacts_service() -> Iterator[Any]:
    """An RPC proxy; a service that is not running is one clear line, not a traceback."""
    from nameko.exceptions import RpcTimeout, UnknownService

    with _rpc() as rpc:
        try:
            yield rpc
        except UnknownService:
            raise Unreachable("crm: the contacts service is not running; start it with `crm up`.") from None
        except RpcTimeout:
            raise Unreachable(
                f"crm: the contacts service did not answer within {RPC_TIMEOUT_SECONDS}s; is it running (`crm up`)?"
            ) from None


def _import_contacts(args: argparse.Namespace) -> int:
    from crm_cli.contacts_csv import MalformedCsv, check_file, import_file

    path = Path(args.file)
    if not path.is_file():
        print(f"crm: no such file: {path}", file=sys.stderr)
        return 2
    report = Path(args.report or f"{path}.errors.csv")
    try:
        check_file(path)
        with _contacts_service() as rpc:
            created, rejected = import_file(rpc, path, report)
    except MalformedCsv as error:
        print(f"crm: {path} is not a valid contacts CSV: {error}", file=sys.stderr)
        return 2
    except Unreachable as error:
        print(error, file=sys.stderr)
        return 1
    print(f"created {created} contacts, rejected {rejected} rows" + (f" (see {report})" if rejected else ""))
    return 0 if rejected == 0 else 3


def _export_contacts(args: argparse.Namespace) -> int:
    from crm_cli.contacts_csv import export_all

    try:
        with _contacts_service() as rpc:
            if args.output:
                with open(args.output, "w", newline="", encoding="utf-8") as out:
                    count = export_all(rpc, out)
            else:
                count = export_all(rpc, sys.stdout)
    except Unreachable as error:
        print(error, file=sys.stderr)
        return 1
    print(f"exported {count} contacts", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description="Run and operate the CRM suite.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="migrate and run every service and the gateway").set_defaults(run=_up)
    commands.add_parser("migrate", help="apply every service's migrations").set_defaults(run=_migrate)

    importing = commands.add_parser("import", help="import records").add_subparsers(dest="what", required=True)
    contacts_in = importing.add_parser("contacts", help="import contacts from a CSV file")
    contacts_in.add_argument("file")
    contacts_in.add_argument("--report", help="where to write rejected rows (default FILE.errors.csv)")
    contacts_in.set_defaults(run=_import_contacts)

    exporting = commands.add_parser("export", help="export records").add_subparsers(dest="what", required=True)
    contacts_out = exporting.add_parser("contacts", help="export contacts as CSV")
    contacts_out.add_argument("--output", "-o", help="file to write (default: standard output)")
    contacts_out.set_defaults(run=_export_contacts)

    events_commands.add_commands(commands)
    integrators_commands.add_commands(commands)
    for plugin in entry_points(group="crm.commands"):
        plugin.load()(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    # nameko imports eventlet, which announces its deprecation on stderr at every start.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    args = build_parser().parse_args(argv)
    sys.exit(args.run(args))
