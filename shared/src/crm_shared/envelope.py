"""The envelope every published event travels in, defined once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate


class EnvelopeSchema(Schema):
    """Consumers load with ``unknown=EXCLUDE`` so additive changes never break them."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    type = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    schema_version = fields.Int(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.Str(required=True)
    correlation_id = fields.Str(load_default=None, allow_none=True)
    aggregate_id = fields.Str(required=True)
    sequence = fields.Int(required=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)


ENVELOPE_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Envelope:
    event_id: uuid.UUID
    type: str
    schema_version: int
    occurred_at: datetime
    producer: str
    correlation_id: str | None
    aggregate_id: str
    sequence: int
    data: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict published on the broker: what ``EnvelopeSchema`` dumps.

        Built by hand because bulk writers (a CSV import, a backlog of events) make one per
        event and the schema's dump took about a third of writing an event to the outbox;
        a test holds the two equal.
        """
        return {
            "event_id": str(self.event_id),
            "type": self.type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at.isoformat(),
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "aggregate_id": self.aggregate_id,
            "sequence": self.sequence,
            "data": dict(self.data),
        }

    @classmethod
    def from_wire(cls, body: dict[str, Any]) -> Envelope:
        return cls(**ENVELOPE_SCHEMA.load(body))
