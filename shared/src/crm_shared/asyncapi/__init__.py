"""The AsyncAPI 3.0 document of every published event, generated from the catalogue.

Each event type (producer, name, version) is a channel: the routing key ``name`` on the
topic exchange ``<producer>.events``; its message is the envelope with ``data`` of the
type's schema, and an example. ``shared/events-catalog.json`` is the committed snapshot
that compatibility is checked against (``python -m crm_shared.asyncapi --write``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from crm_shared.asyncapi.examples import EXAMPLE_NAMESPACE, EXAMPLE_TIME, example_data
from crm_shared.asyncapi.schemas import SchemaRegistry
from crm_shared.envelope import EnvelopeSchema
from crm_shared.events import EventType, catalogue

SNAPSHOT = Path(__file__).resolve().parents[3] / "events-catalog.json"
AMQP_BINDING_VERSION = "0.3.0"


def message_key(producer: str, name: str, version: int) -> str:
    """The id of an event type's channel and message: ``contacts.contact.created.v1``."""
    return f"{producer}.{name}.v{version}"


def asyncapi_document() -> dict[str, Any]:
    """The whole document, deterministic for a given catalogue."""
    registry = SchemaRegistry()
    envelope_ref = registry.ref(EnvelopeSchema)
    channels, operations, messages = {}, {}, {}
    for spec in catalogue():
        key = message_key(spec.producer, spec.name, spec.version)
        messages[key] = _message(spec, envelope_ref, registry.ref(spec.schema))
        channels[key] = _channel(spec, key)
        operations[f"{key}.publish"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
            # Persistent, not mandatory: an event nobody is bound to is dropped by the broker.
            "bindings": {"amqp": {"deliveryMode": 2, "mandatory": False, "bindingVersion": AMQP_BINDING_VERSION}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CRM events",
            "version": "1.0.0",
            "description": "Every event the CRM publishes. At least once; per aggregate, `sequence` orders "
            "events and shows gaps. Ignore fields you do not know. See docs/events.md.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "broker": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "RabbitMQ; integrators get a user of their own (`crm integrators create`).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": registry.schemas(), "messages": messages},
    }


def _channel(spec: EventType, key: str) -> dict[str, Any]:
    return {
        "address": spec.name,
        "title": f"{spec.name} v{spec.version} on {spec.producer}.events",
        "description": spec.description,
        "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {"name": f"{spec.producer}.events", "type": "topic", "durable": True, "autoDelete": False},
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
    }


def _message(spec: EventType, envelope_ref: dict[str, Any], data_ref: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": spec.name,
        "title": f"{spec.name} v{spec.version}",
        "summary": spec.description,
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "properties": {"nameko.correlation_id": {"type": "string", "description": "as correlation_id"}},
        },
        "correlationId": {"location": "$message.payload#/correlation_id"},
        "payload": {
            "allOf": [
                envelope_ref,
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": spec.name},
                        "schema_version": {"const": spec.version},
                        "producer": {"const": spec.producer},
                        "data": data_ref,
                    },
                },
            ]
        },
        "bindings": {"amqp": {"messageType": spec.name, "bindingVersion": AMQP_BINDING_VERSION}},
        "examples": [{"name": f"{spec.name}-example", "payload": example_envelope(spec)}],
        "x-crm-event": {
            "producer": spec.producer,
            "type": spec.name,
            "schema_version": spec.version,
            "exchange": f"{spec.producer}.events",
        },
    }


def example_envelope(spec: EventType) -> dict[str, Any]:
    """A whole message of this type as a subscriber receives it."""
    data = example_data(spec.schema)
    aggregate = data.get("id") or data.get("contact_id") or str(uuid.uuid5(EXAMPLE_NAMESPACE, spec.name))
    return {
        "event_id": str(uuid.uuid5(EXAMPLE_NAMESPACE, message_key(spec.producer, spec.name, spec.version))),
        "type": spec.name,
        "schema_version": spec.version,
        "occurred_at": EXAMPLE_TIME,
        "producer": spec.producer,
        "correlation_id": "req-7f3a",
        "aggregate_id": str(aggregate),
        "sequence": 1,
        "data": data,
    }
