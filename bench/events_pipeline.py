"""Event benchmarks: latency and sustained throughput from a committed write to a pika consumer.

The producer writes outbox rows as the bulk producers do (``SqlUnitOfWork.write_envelopes``,
one PostgreSQL transaction per write; the per-event validation of the one-by-one path,
about 1-3 ms here, is the producer's cost, not the pipeline's); the real ``OutboxRelay`` runs in the same
process as a service runs it (woken after each commit, publishing with batched confirms);
a plain pika consumer in its own process acks each event (``bench/events_consumer.py``).

* latency: ``contact.created`` events paced at ``--rate`` (500/s), ``--per-write`` (5) per
  transaction, from the commit to the consumer: p50/p90/p99;
* throughput: ``--events`` events written as bulk producers (CSV import) write them, in
  transactions of ``--batch``: events/s from the first commit to the last event consumed;
* backlog drain: the same events written while no relay ran, then relayed and consumed:
  the relay, broker and consumer alone, without the producer in the way;
* raw pika with asynchronous confirms, same body, same broker, same run (``events_raw_pika``).

``python -m bench.events_pipeline [--rate 500] [--seconds 10] [--per-write 5] [--events 20000] [--batch 100]``;
results in ``bench/results/events_pipeline.json``. Needs local PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pika

from bench.events_raw_pika import AsyncConfirmPublisher
from bench.harness import (
    create_database,
    drop_database,
    latency_summary,
    log,
    private_vhost,
    wait_for_quiet,
    write_result,
)
from crm_shared.asyncapi.examples import example_data
from crm_shared.contracts.contacts import ContactSchema
from crm_shared.db import make_engine, new_metadata
from crm_shared.events import new_envelope
from crm_shared.plumbing import plumbing_tables
from crm_shared.publisher import ConfirmedPublisher
from crm_shared.relay import OutboxRelay
from crm_shared.unit_of_work import SqlUnitOfWork

EXCHANGE, ROUTING_KEY = "contacts.events", "contact.created"
CONTACT = example_data(ContactSchema)


class ContactsUnitOfWork(SqlUnitOfWork):
    producer = "contacts"


@contextmanager
def pipeline(amqp_uri: str, label: str) -> Iterator[tuple[Any, Any, OutboxRelay, str]]:
    """A fresh outbox database, a bound durable queue, and a running relay woken after each commit."""
    with stopped_pipeline(amqp_uri, label) as (engine, tables, relay, queue, start_relay):
        start_relay()
        yield engine, tables, relay, queue


@contextmanager
def stopped_pipeline(amqp_uri: str, label: str) -> Iterator[tuple[Any, Any, OutboxRelay, str, Any]]:
    """As ``pipeline``, with the relay started by calling the last item."""
    name = f"crm_bench_events_{label}_{uuid.uuid4().hex[:6]}"
    url = create_database(name)
    metadata = new_metadata()
    tables = plumbing_tables(metadata)
    engine = make_engine(url)
    metadata.create_all(engine)
    queue = f"bench.events.{label}"
    _bind_queue(amqp_uri, queue)
    relay = OutboxRelay(engine, tables.outbox, ConfirmedPublisher(amqp_uri), batch_size=500)
    thread = threading.Thread(target=relay.run, daemon=True)
    try:
        yield engine, tables, relay, queue, thread.start
    finally:
        relay.stop()
        if thread.is_alive():
            thread.join(timeout=10)
        relay.publisher.close()
        engine.dispose()
        drop_database(name)
        _delete_queue(amqp_uri, queue)


def _delete_queue(amqp_uri: str, queue: str) -> None:
    """Each measurement's queue goes with it: a queue left bound would make every later
    message be stored twice (the earlier figures paid that: up to four copies each)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().queue_delete(queue)
    connection.close()


def _bind_queue(amqp_uri: str, queue: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare(EXCHANGE, "topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_purge(queue)
    channel.queue_bind(queue, EXCHANGE, ROUTING_KEY)
    connection.close()


@contextmanager
def consumer(amqp_uri: str, queue: str, count: int) -> Iterator[Path]:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.events_consumer", amqp_uri, queue, str(count), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    try:
        yield out
        process.wait(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()


def write(engine: Any, tables: Any, relay: OutboxRelay, count: int) -> tuple[float, list[str]]:
    """One transaction of ``count`` new contacts' events, as bulk producers (CSV import) write them.

    Returns when the commit started, and the event ids.
    """
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with ContactsUnitOfWork(engine, tables, on_events_committed=relay.wake) as uow:
        uow.start_sequences(ids)
        envelopes = [
            new_envelope("contact.created", {**CONTACT, "id": i}, aggregate_id=i, sequence=1, correlation_id=None,
                         dumped_by_schema=True, producer="contacts")
            for i in ids
        ]  # fmt: skip
        uow.write_envelopes(envelopes)
        committed_at = time.time()
        uow.commit()
    relay.wake()
    return committed_at, [str(e.event_id) for e in envelopes]


def measure_latency(amqp_uri: str, rate: int, seconds: int, per_write: int) -> dict[str, Any]:
    writes = rate * seconds // per_write
    total = writes * per_write
    with pipeline(amqp_uri, "latency") as (engine, tables, relay, queue), consumer(amqp_uri, queue, total) as out:
        written: dict[str, float] = {}
        started = time.perf_counter()
        for n in range(writes):
            delay = started + n * per_write / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            committed_at, event_ids = write(engine, tables, relay, per_write)
            written.update(dict.fromkeys(event_ids, committed_at))
        achieved = total / (time.perf_counter() - started)
    arrivals = json.loads(out.read_text())
    out.unlink()
    latencies = [arrivals[e] - t for e, t in written.items() if e in arrivals]
    summary = latency_summary(latencies)
    return {"target_rate": rate, "achieved_rate": round(achieved, 1), "events_per_write": per_write, **summary}


def measure_throughput(amqp_uri: str, events: int, batch: int) -> dict[str, Any]:
    with pipeline(amqp_uri, "throughput") as (engine, tables, relay, queue), consumer(amqp_uri, queue, events) as out:
        started = time.time()
        for _ in range(events // batch):
            write(engine, tables, relay, batch)
        written = time.time() - started
    arrivals = json.loads(out.read_text())
    out.unlink()
    seconds = max(arrivals.values()) - started
    return {
        "events": len(arrivals),
        "batch": batch,
        "write_events_per_s": round(events / written, 1),
        "end_to_end_events_per_s": round(len(arrivals) / seconds, 1),
        "seconds": round(seconds, 2),
    }


def measure_backlog(amqp_uri: str, events: int, batch: int) -> dict[str, Any]:
    """Relay and consumer alone: a backlog written while no relay ran (as after an outage), drained."""
    with stopped_pipeline(amqp_uri, "backlog") as (engine, tables, relay, queue, start_relay):
        for _ in range(events // batch):
            write(engine, tables, relay, batch)
        with consumer(amqp_uri, queue, events) as out:
            started = time.time()
            start_relay()
    arrivals = json.loads(out.read_text())
    out.unlink()
    seconds = max(arrivals.values()) - started
    return {
        "events": len(arrivals),
        "drain_events_per_s": round(len(arrivals) / seconds, 1),
        "seconds": round(seconds, 2),
    }


def measure_raw_pika(amqp_uri: str, messages: int) -> dict[str, Any]:
    _bind_queue(amqp_uri, "bench.events.raw")
    body = json.dumps({"event_id": str(uuid.uuid4()), "data": CONTACT}).encode()
    try:
        return AsyncConfirmPublisher(amqp_uri, EXCHANGE, ROUTING_KEY, body, messages).run()
    finally:
        _delete_queue(amqp_uri, "bench.events.raw")


def run(
    rate: int = 500, seconds: int = 10, per_write: int = 5, events: int = 20_000, batch: int = 100
) -> dict[str, Any]:
    quiet = wait_for_quiet(max_wait=60)
    with private_vhost("events") as amqp_uri:
        log(f"latency at {rate} events/s for {seconds}s")
        latency = measure_latency(amqp_uri, rate, seconds, per_write)
        log(f"latency: {latency}")
        throughput = measure_throughput(amqp_uri, events, batch)
        log(f"throughput: {throughput}")
        backlog = measure_backlog(amqp_uri, events, batch)
        log(f"backlog: {backlog}")
        raw = measure_raw_pika(amqp_uri, events)
        log(f"raw pika: {raw}")
    ratio = throughput["end_to_end_events_per_s"] / raw["messages_per_s"]
    drain_ratio = backlog["drain_events_per_s"] / raw["messages_per_s"]
    return {
        "latency": latency,
        "throughput": throughput,
        "backlog_drain": backlog,
        "raw_pika_async_confirms": raw,
        "throughput_share_of_raw_pika": round(ratio, 3),
        "backlog_drain_share_of_raw_pika": round(drain_ratio, 3),
        "machine_before": quiet,
        "aims": {"p99_ms_under": 50, "share_of_raw_at_least": 0.25},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--per-write", type=int, default=5, help="events per transaction in the latency run")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    result = run(args.rate, args.seconds, args.per_write, args.events, args.batch)
    result["command"] = "python -m bench.events_pipeline " + " ".join(argv or sys.argv[1:])
    path = write_result("events_pipeline", result)
    print(json.dumps(result, indent=2))
    log(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
