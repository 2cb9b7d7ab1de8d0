"""The catalogue of published event types: one versioned ``data`` schema per type."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import uuid
from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError

from crm_shared.contracts.loading import schema_instance
from crm_shared.db import utcnow
from crm_shared.envelope import Envelope
from crm_shared.errors import Invalid


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    producer: str
    schema: type[Schema]
    description: str


# (name, version) -> producer -> type: some types (``customer_summary.updated``) have several producers.
_CATALOGUE: dict[tuple[str, int], dict[str, EventType]] = {}


def register(*event_types: EventType) -> None:
    for spec in event_types:
        _CATALOGUE.setdefault((spec.name, spec.version), {})[spec.producer] = spec


def catalogue() -> list[EventType]:
    _load_all()
    every = [spec for by_producer in _CATALOGUE.values() for spec in by_producer.values()]
    return sorted(every, key=lambda e: (e.producer, e.name, e.version))


def event_type(name: str, version: int = 1, producer: str | None = None) -> EventType:
    """The published type; ``producer`` is needed only for a type several services publish."""
    _load_all()
    by_producer = _CATALOGUE.get((name, version), {})
    matches = [spec for spec in by_producer.values() if producer in (None, spec.producer)]
    if len(matches) != 1:
        problem = "unknown" if not matches else "published by several services; name the producer"
        raise Invalid(f"event type {name} v{version} is {problem}", fields={"type": [problem]})
    return matches[0]


def new_envelope(
    name: str,
    data: dict[str, Any],
    *,
    aggregate_id: str,
    sequence: int,
    correlation_id: str | None,
    version: int = 1,
    dumped_by_schema: bool = False,
    producer: str | None = None,
) -> Envelope:
    """Validate ``data`` against its published schema and wrap it; producers call this.

    ``dumped_by_schema`` says the caller made ``data`` by dumping with this event's own
    schema, so it conforms already: bulk producers skip a second pass over each row.
    """
    spec = event_type(name, version, producer)
    schema = schema_instance(spec.schema)
    try:
        wire_data = data if dumped_by_schema else schema.dump(schema.load(data))
    except ValidationError as error:
        raise Invalid(f"event {name} does not match its schema", fields=error.messages) from error
    return Envelope(
        event_id=uuid.uuid4(),
        type=name,
        schema_version=version,
        occurred_at=utcnow(),
        producer=spec.producer,
        correlation_id=correlation_id,
        aggregate_id=aggregate_id,
        sequence=sequence,
        data=wire_data,
    )


def parse_event(body: Any) -> tuple[Envelope, dict[str, Any]]:
    """Validate a received envelope and its data; consumers tolerate added fields."""
    if not isinstance(body, dict):
        raise Invalid("event body is not an object", fields={"_schema": ["not an object"]})
    try:
        envelope = Envelope.from_wire(body)
        spec = event_type(envelope.type, envelope.schema_version, envelope.producer)
        data = schema_instance(spec.schema, unknown=EXCLUDE).load(envelope.data)
    except ValidationError as error:
        raise Invalid("event does not match its schema", fields=error.messages) from error
    return envelope, data


@functools.cache
def _load_all() -> None:
    # Importing a module of this package registers its context's event types.
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
