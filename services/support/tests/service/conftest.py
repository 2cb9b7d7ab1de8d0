"""Service tier: the support service as nameko containers on real RabbitMQ and PostgreSQL.

Calls go through nameko's standalone RPC proxy; incoming events are published with pika to
the producers' exchanges exactly as their relays do. Nothing is mocked.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest

from crm_shared.db import utcnow
from crm_shared.events import new_envelope
from crm_support.entrypoints.service import SupportService


def publish_event(amqp_uri: str, producer: str, event_type: str, data: dict[str, Any], aggregate_id: str,
                  sequence: int = 1) -> None:  # fmt: skip
    envelope = new_envelope(event_type, data, aggregate_id=aggregate_id, sequence=sequence, correlation_id="t",
                            producer=producer)  # fmt: skip
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare(f"{producer}.events", "topic", durable=True)
        channel.basic_publish(
            f"{producer}.events", event_type, json.dumps(envelope.to_wire()),
            pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=str(envelope.event_id)),
        )  # fmt: skip
    finally:
        connection.close()


@pytest.fixture
def support_config(postgres_support_db: str) -> dict[str, Any]:
    return {"DATABASE_URL": postgres_support_db, "SLA_SCAN_INTERVAL_SECONDS": 0.1, "EVENT_RETRY_PAUSE": 0.05}


@pytest.fixture
def rpc(amqp_uri: str) -> Iterator[Any]:
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20) as proxy:
        yield proxy.support


@pytest.fixture
def support_service(run_service: Callable[..., Any], support_config: dict[str, Any]) -> Any:
    return run_service(SupportService, **support_config)


def new_contact_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    return utcnow().isoformat()
