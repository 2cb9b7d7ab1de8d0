"""``crm events ...``: the operator's view of the published events."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")


def add_commands(commands: Any) -> None:
    events = commands.add_parser("events", help="published events").add_subparsers(dest="what", required=True)
    tail = events.add_parser("tail", help="print events live as they are published")
    tail.add_argument(
        "--type",
        action="append",
        dest="types",
        metavar="PATTERN",
        help="event types as a topic pattern, e.g. 'contact.*' or 'ticket.#' (repeatable; default: all)",
    )
    tail.add_argument(
        "--service",
        action="append",
        dest="services",
        metavar="NAME",
        help="only events published by this service, e.g. sales (repeatable; default: every service)",
    )
    tail.add_argument("--json", action="store_true", help="one JSON envelope per line")
    tail.set_defaults(run=_tail)


def publishing_services() -> list[str]:
    """Every service that publishes an event type in the catalogue."""
    from crm_shared.events import catalogue

    return sorted({spec.producer for spec in catalogue()})


def _tail(args: argparse.Namespace) -> int:
    from crm_cli.broker import broker_answers, broker_missing_message
    from crm_cli.events_tail import TailRequest, tail
    from crm_shared import config

    services = args.services or publishing_services()
    bad = [name for name in services if not SERVICE_NAME.match(name)]
    if bad:
        print(f"crm: not a service name: {bad[0]}", file=sys.stderr)
        return 2
    amqp_uri = config.amqp_uri()
    if not broker_answers(amqp_uri):
        print(broker_missing_message(amqp_uri), file=sys.stderr)
        return 1
    try:
        return tail(amqp_uri, TailRequest(services, args.types or ["#"], args.json))
    except KeyboardInterrupt:
        return 0
