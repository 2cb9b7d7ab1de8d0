"""``crm events tail``: print published events live, from a temporary queue of its own.

The queue is exclusive and auto-deleted, so a tail leaves nothing behind on the broker
and never takes events from a service's or an integrator's queue.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

import amqp

from crm_shared.publisher import connection_params

CLOSE_SECONDS = 2
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class TailRequest:
    services: list[str]
    patterns: list[str]
    as_json: bool


def exchanges(services: Iterable[str]) -> list[str]:
    return [f"{service}.events" for service in services]


def readable_line(body: dict[str, Any]) -> str:
    """One line a person can follow: when, who, what, which record, and the data in brief."""
    data = json.dumps(body.get("data"), separators=(",", ":"), ensure_ascii=False, default=str)
    if len(data) > 160:
        data = data[:157] + "..."
    return (
        f"{body.get('occurred_at', '?')}  {body.get('producer', '?')}  {body.get('type', '?')} "
        f"v{body.get('schema_version', '?')}  {body.get('aggregate_id', '?')} #{body.get('sequence', '?')}  {data}"
    )


def format_event(raw: bytes | str, as_json: bool) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        body = json.loads(text)
    except ValueError:
        return json.dumps({"unparsable": text}) if as_json else f"(not JSON) {text[:160]}"
    if as_json:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return readable_line(body) if isinstance(body, dict) else text


def open_tail(amqp_uri: str, request: TailRequest, on_event: Callable[[amqp.Message], None]) -> amqp.Connection:
    """Connects, binds a fresh exclusive queue to each exchange with each pattern, and consumes."""
    connection = amqp.Connection(connect_timeout=5, heartbeat=30, **connection_params(amqp_uri))
    connection.connect()
    channel = connection.channel()
    queue, _, _ = channel.queue_declare("", exclusive=True, auto_delete=True)
    for exchange in exchanges(request.services):
        # Declared as nameko does, so a tail may start before the service that publishes there.
        channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
        for pattern in request.patterns:
            channel.queue_bind(queue, exchange, routing_key=pattern)
    channel.basic_consume(queue, callback=on_event, no_ack=True)
    return connection


def tail(amqp_uri: str, request: TailRequest, out: IO[str] | None = None) -> int:
    """Runs until Ctrl-C (exit 0) or until the broker goes away (exit 1)."""
    sink = out or sys.stdout

    def on_event(message: amqp.Message) -> None:
        sink.write(format_event(message.body, request.as_json) + "\n")
        sink.flush()

    try:
        connection = open_tail(amqp_uri, request, on_event)
    except KeyboardInterrupt:
        return 0
    except (OSError, amqp.exceptions.AMQPError) as error:
        sys.stderr.write(f"crm: cannot listen for events: {_reason(error)}\n")
        return 1
    where = ", ".join(exchanges(request.services))
    try:
        return _follow(connection, f"crm: listening on {where} for {' '.join(request.patterns)} (Ctrl-C to stop)")
    finally:
        _close_quietly(connection)


def _follow(connection: amqp.Connection, announcement: str) -> int:
    try:
        # Announced inside the try: a Ctrl-C right after the announcement is still a clean stop.
        sys.stderr.write(announcement + "\n")
        sys.stderr.flush()
        while True:
            try:
                connection.drain_events(timeout=POLL_SECONDS)
            except TimeoutError:
                connection.heartbeat_tick()
    except (KeyboardInterrupt, BrokenPipeError):
        # Ctrl-C, or the reader of a pipe (``| head``) has had enough: both are a normal end.
        return 0
    except (OSError, amqp.exceptions.AMQPError) as error:
        sys.stderr.write(f"crm: lost the connection to RabbitMQ: {_reason(error)}\n")
        return 1


def _reason(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _close_quietly(connection: amqp.Connection) -> None:
    """Close politely, but wait for the broker's answer no longer than ``CLOSE_SECONDS``.

    A Ctrl-C can land in the middle of reading a frame; the close-ok that follows may then
    never parse, and an unbounded wait would keep the terminal hostage. The tail's queue is
    exclusive, so the broker drops it with the connection either way.
    """
    try:
        sock = connection.transport.sock if connection.transport is not None else None
        if sock is not None:
            sock.settimeout(CLOSE_SECONDS)
        connection.close()
    except Exception:  # noqa: BLE001 - closing after the broker went away has nothing left to do
        connection.collect()
