"""What the gateway itself answers about its own records: the audit log, webhooks and replays."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from crm_shared.contracts.common import PageQuerySchema, StrictSchema, page_of


class AuditEntrySchema(Schema):
    id = fields.UUID(required=True)
    at = fields.AwareDateTime(required=True)
    key_id = fields.Str(required=True)
    key_name = fields.Str(required=True)
    role = fields.Str(required=True)
    method = fields.Str(required=True)
    route = fields.Str(required=True)
    path = fields.Str(required=True)
    status = fields.Int(required=True)
    client_address = fields.Str(allow_none=True)
    correlation_id = fields.Str(allow_none=True)


AuditPageSchema = page_of(AuditEntrySchema, "AuditPage")


class AuditQuerySchema(PageQuerySchema):
    key_id = fields.Str(load_default=None, validate=validate.Length(max=36))
    since = fields.AwareDateTime(load_default=None)


EVENT_PATTERN = r"^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?)$"


def event_patterns(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.Str(validate=validate.Regexp(EVENT_PATTERN, error="Not an event type or pattern like 'ticket.*'.")),
        validate=validate.Length(min=1, max=50),
        **kwargs,
    )


class WebhookCreateSchema(StrictSchema):
    url = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    event_types = event_patterns(required=True)


class WebhookSchema(Schema):
    id = fields.UUID(required=True)
    url = fields.Str(required=True)
    event_types = fields.List(fields.Str(), required=True)
    state = fields.Str(required=True, metadata={"description": "active, or disabled after failing too often"})
    consecutive_failures = fields.Int(required=True)
    created_at = fields.AwareDateTime(required=True)
    disabled_at = fields.AwareDateTime(allow_none=True)


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.Str(required=True, metadata={"description": "Shown only now: keep it to check signatures."})


WebhookPageSchema = page_of(WebhookSchema, "WebhookPage")


class DeliverySchema(Schema):
    id = fields.UUID(required=True)
    endpoint_id = fields.UUID(required=True)
    event_id = fields.UUID(required=True)
    event_type = fields.Str(required=True)
    state = fields.Str(required=True, metadata={"description": "pending, delivered or failed"})
    attempts = fields.Int(required=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_status = fields.Int(allow_none=True)
    last_error = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True)


DeliveryPageSchema = page_of(DeliverySchema, "DeliveryPage")


class DeliveryQuerySchema(PageQuerySchema):
    state = fields.Str(load_default=None, validate=validate.OneOf(("pending", "delivered", "failed")))


class ReplayCreateSchema(StrictSchema):
    """Every logged event of the types since a time, to a webhook or to an integrator's queue (exactly one)."""

    event_types = event_patterns(required=True)
    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(load_default=None, allow_none=True)
    webhook_id = fields.UUID(load_default=None, allow_none=True)
    queue = fields.Str(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^integrator\.[A-Za-z0-9_.-]{1,200}$", error="Must be an integrator.* queue."),
    )

    @validates_schema
    def _one_destination(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("webhook_id") is None) == (data.get("queue") is None):
            raise ValidationError("Give exactly one of webhook_id and queue.", field_name="webhook_id")


class ReplaySchema(Schema):
    queued = fields.Int(required=True, metadata={"description": "How many events were sent on their way, in order."})
