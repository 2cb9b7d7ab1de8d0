"""A plain pika consumer for the event benchmarks, run as a process of its own.

``python -m bench.events_consumer AMQP_URI QUEUE COUNT OUT.json``: consumes COUNT messages
(manual ack after each, prefetch 100, as an integrator would), records the wall-clock
time each one arrived by ``event_id``, writes them to OUT.json and exits. It prints
``ready`` once it consumes.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pika


def consume(amqp_uri: str, queue: str, count: int) -> dict[str, float]:
    arrivals: dict[str, float] = {}
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=100)

    def on_message(ch, method, properties, body: bytes) -> None:  # type: ignore[no-untyped-def]
        arrivals[properties.message_id or json.loads(body)["event_id"]] = time.time()
        ch.basic_ack(method.delivery_tag)
        if len(arrivals) >= count:
            ch.stop_consuming()

    channel.basic_consume(queue, on_message)
    print("ready", flush=True)
    channel.start_consuming()
    connection.close()
    return arrivals


def main() -> None:
    amqp_uri, queue, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    out.write_text(json.dumps(consume(amqp_uri, queue, count)))


if __name__ == "__main__":
    main()
