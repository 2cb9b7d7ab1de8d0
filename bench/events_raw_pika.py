"""Raw pika publishing with asynchronous publisher confirms: the broker's ceiling for the event benchmarks.

A window of unconfirmed persistent messages is kept in flight on a SelectConnection;
each (possibly multiple) ack lets more go. No database, no validation: only the broker.
"""

from __future__ import annotations

import time
from typing import Any

import pika

WINDOW = 1_000


class AsyncConfirmPublisher:
    def __init__(self, amqp_uri: str, exchange: str, routing_key: str, body: bytes, total: int) -> None:
        self.params = pika.URLParameters(amqp_uri)
        self.exchange, self.routing_key, self.body, self.total = exchange, routing_key, body, total
        self.properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        self.published = 0
        # Tags are confirmed once each, in a multiple ack up to a tag or alone: counting
        # them keeps a confirm O(1) (a set of the window's tags made each one O(window)).
        self.confirmed_upto = 0
        self.confirmed_alone: set[int] = set()
        self.confirmed = 0
        self.nacked = 0
        self.started = self.finished = 0.0
        self.channel: Any = None
        self.connection: Any = None

    def run(self) -> dict[str, Any]:
        self.connection = pika.SelectConnection(self.params, on_open_callback=self._on_open)
        self.connection.ioloop.start()
        seconds = self.finished - self.started
        return {
            "messages": self.total,
            "bytes_each": len(self.body),
            "seconds": round(seconds, 3),
            "messages_per_s": round(self.total / seconds, 1),
            "nacked": self.nacked,
            "window": WINDOW,
        }

    def _on_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel: Any) -> None:
        self.channel = channel
        channel.confirm_delivery(self._on_confirm, callback=lambda _: self._start())

    def _start(self) -> None:
        self.started = time.perf_counter()
        self._fill()

    def _fill(self) -> None:
        while self.published < self.total and self.published - self.confirmed < WINDOW:
            self.channel.basic_publish(self.exchange, self.routing_key, self.body, self.properties)
            self.published += 1

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        if method.multiple:
            alone = {tag for tag in self.confirmed_alone if tag <= method.delivery_tag}
            done = method.delivery_tag - self.confirmed_upto - len(alone)
            self.confirmed_alone -= alone
            self.confirmed_upto = method.delivery_tag
        else:
            done = 1
            self.confirmed_alone.add(method.delivery_tag)
        self.confirmed += done
        if isinstance(method, pika.spec.Basic.Nack):
            self.nacked += done
        if self.confirmed >= self.total:
            self.finished = time.perf_counter()
            self.connection.close()
            self.connection.ioloop.stop()
        else:
            self._fill()
