"""The marketing context's contract: segments and their rules, campaigns, sends and performance."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from crm_shared.contracts.common import (
    LONG,
    MoneySchema,
    PageQuerySchema,
    StrictSchema,
    choice,
    page_of,
    text,
)
from crm_shared.contracts.contacts import LIFECYCLE_STAGES
from crm_shared.contracts.summaries import VALUE_TIERS

# The facts a segment rule may test, each with the kind of value it holds.
SEGMENT_FIELDS: dict[str, str] = {
    "lifecycle_stage": "choice",
    "owner": "text",
    "tags": "set",
    "interests": "set",
    "email_consent": "bool",
    "value_tier": "choice",
    "rfm.recency": "score",
    "rfm.frequency": "score",
    "rfm.monetary": "score",
    "last_order_at": "time",
    "last_interaction_at": "time",
    "open_tickets": "number",
}
# Free-form marketing data of a contact: ``demographics.<key>`` and ``preferences.<key>``.
ATTRIBUTE_PREFIXES = ("demographics.", "preferences.")
CHOICES = {"lifecycle_stage": LIFECYCLE_STAGES, "value_tier": VALUE_TIERS}

OPERATORS: dict[str, tuple[str, ...]] = {
    "choice": ("eq", "neq", "in", "not_in", "is_null", "is_not_null"),
    "text": ("eq", "neq", "in", "not_in", "is_null", "is_not_null"),
    "attribute": ("eq", "neq", "in", "not_in", "is_null", "is_not_null"),
    "set": ("contains", "not_contains", "contains_any", "contains_none"),
    "bool": ("eq",),
    "score": ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is_null", "is_not_null"),
    "number": ("eq", "neq", "gt", "gte", "lt", "lte"),
    "time": ("before", "after", "within_days", "not_within_days", "is_null", "is_not_null"),
}
LIST_OPERATORS = ("in", "not_in", "contains_any", "contains_none")
NO_VALUE_OPERATORS = ("is_null", "is_not_null")
MAX_RULE_DEPTH = 4
MAX_CONDITIONS = 50


def field_kind(name: str) -> str | None:
    if name in SEGMENT_FIELDS:
        return SEGMENT_FIELDS[name]
    if name.startswith(ATTRIBUTE_PREFIXES) and 0 < len(name.split(".", 1)[1]) <= 100:
        return "attribute"
    return None


class RulesField(fields.Field):
    """``{"all"|"any": [condition or group, ...]}``; a condition is ``{field, operator, value}``.

    Errors name the place, e.g. ``{"all": {"1": {"field": ["Unknown field."]}}}``.
    """

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        counter = [0]
        return _group(value, 1, counter)


def _group(value: Any, depth: int, counter: list[int]) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("all", "any"):
        raise ValidationError('Must be an object with one key, "all" or "any".')
    if depth > MAX_RULE_DEPTH:
        raise ValidationError(f"Groups nest at most {MAX_RULE_DEPTH} deep.")
    joiner, items = next(iter(value.items()))
    if not isinstance(items, list) or not items:
        raise ValidationError({joiner: ["Must be a non-empty list."]})
    loaded, errors = [], {}
    for index, item in enumerate(items):
        try:
            is_group = isinstance(item, dict) and ("all" in item or "any" in item)
            loaded.append(_group(item, depth + 1, counter) if is_group else _condition(item, counter))
        except ValidationError as error:
            errors[str(index)] = error.messages
    if errors:
        raise ValidationError({joiner: errors})
    return {joiner: loaded}


def _condition(item: Any, counter: list[int]) -> dict[str, Any]:
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise ValidationError(f"At most {MAX_CONDITIONS} conditions.")
    if not isinstance(item, dict) or set(item) - {"field", "operator", "value"}:
        raise ValidationError("Must be an object with field, operator and value.")
    name, operator = str(item.get("field")), item.get("operator")
    kind = field_kind(name) if isinstance(item.get("field"), str) else None
    if kind is None:
        raise ValidationError({"field": ["Unknown field."]})
    if not isinstance(operator, str) or operator not in OPERATORS[kind]:
        raise ValidationError({"operator": [f"Must be one of: {', '.join(OPERATORS[kind])}."]})
    if operator in NO_VALUE_OPERATORS:
        return {"field": name, "operator": operator, "value": None}
    return {"field": name, "operator": operator, "value": _value(name, kind, operator, item.get("value"))}


def _value(name: str, kind: str, operator: str, value: Any) -> Any:
    if operator in LIST_OPERATORS:
        if not isinstance(value, list) or not 1 <= len(value) <= 100:
            raise ValidationError({"value": ["Must be a list of 1 to 100 values."]})
        return [_scalar(name, kind, operator, one) for one in value]
    return _scalar(name, kind, operator, value)


def _scalar(name: str, kind: str, operator: str, value: Any) -> Any:
    problem = _scalar_problem(name, kind, operator, value)
    if problem:
        raise ValidationError({"value": [problem]})
    if kind == "time" and operator in ("before", "after"):
        return fields.AwareDateTime().deserialize(value).isoformat()
    return value


def _scalar_problem(name: str, kind: str, operator: str, value: Any) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "Must be true or false."
    numeric = isinstance(value, int) and not isinstance(value, bool)
    if kind == "score":
        return None if numeric and 1 <= value <= 5 else "Must be a score from 1 to 5."
    if kind == "number" or (kind == "time" and operator.endswith("within_days")):
        return None if numeric and 0 <= value <= 100_000 else "Must be a whole number from 0."
    if kind == "time":
        try:
            fields.AwareDateTime().deserialize(value)
        except ValidationError:
            return "Must be an ISO 8601 time with its offset."
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 200:
        return "Must be a string of 1 to 200 characters."
    if name in CHOICES and value not in CHOICES[name]:
        return f"Must be one of: {', '.join(CHOICES[name])}."
    return None


SEGMENT_KINDS = ("dynamic", "static")


class SegmentCreateSchema(StrictSchema):
    name = text(200, min_length=1, required=True)
    description = text(2000, load_default=None, allow_none=True)
    kind = choice(SEGMENT_KINDS, load_default="dynamic")
    rules = RulesField(load_default=None, allow_none=True, metadata={"type": "object"})

    @validates_schema
    def _rules_for_dynamic_only(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("kind", "dynamic") == "dynamic" and not data.get("rules"):
            raise ValidationError("A dynamic segment needs rules.", "rules")
        if data.get("kind") == "static" and data.get("rules"):
            raise ValidationError("A static list has no rules.", "rules")


class SegmentUpdateSchema(StrictSchema):
    name = text(200, min_length=1)
    description = text(2000, allow_none=True)
    rules = RulesField(metadata={"type": "object"})


class SegmentPreviewSchema(StrictSchema):
    rules = RulesField(required=True, metadata={"type": "object"})


class SegmentPreviewResultSchema(Schema):
    count = fields.Int(required=True)


class SegmentSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    description = fields.Str(allow_none=True)
    kind = fields.Str(required=True)
    rules = fields.Raw(allow_none=True, metadata={"type": "object"})
    member_count = fields.Int(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


SegmentPageSchema = page_of(SegmentSchema, "SegmentPage")


class StaticMembersSchema(StrictSchema):
    contact_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=1000))


class SegmentMemberSchema(Schema):
    contact_id = fields.UUID(required=True)
    joined_at = fields.AwareDateTime(required=True)


SegmentMemberPageSchema = page_of(SegmentMemberSchema, "SegmentMemberPage")

# Email only for now; SMS and social posting come behind the same channel interface (adapters.email_channel.Channel).
CHANNELS = ("email",)
CAMPAIGN_STATUSES = ("draft", "scheduled", "running", "completed", "cancelled")


class VariantSchema(StrictSchema):
    name = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,20}$"))
    subject = text(300, min_length=1, required=True)
    body = text(LONG * 10, min_length=1, required=True, metadata={"description": "Plain text; {{first_name}} etc."})


class CampaignFieldsSchema(StrictSchema):
    name = text(200, min_length=1)
    channel = choice(CHANNELS)
    segment_ids = fields.List(fields.UUID(), validate=validate.Length(min=1, max=20))
    exclude_segment_ids = fields.List(fields.UUID(), validate=validate.Length(max=20))
    variants = fields.List(fields.Nested(VariantSchema), validate=validate.Length(min=1, max=5))
    budget = fields.Nested(MoneySchema, allow_none=True)
    cost = fields.Nested(MoneySchema, allow_none=True)
    attribution_days = fields.Int(validate=validate.Range(min=1, max=365))

    @validates_schema
    def _variant_names_differ(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [variant["name"] for variant in data.get("variants") or []]
        if len(names) != len(set(names)):
            raise ValidationError("Variant names must differ.", "variants")


class CampaignCreateSchema(CampaignFieldsSchema):
    name = text(200, min_length=1, required=True)
    channel = choice(CHANNELS, load_default="email")
    segment_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=20))
    exclude_segment_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=20))
    variants = fields.List(fields.Nested(VariantSchema), required=True, validate=validate.Length(min=1, max=5))


class CampaignUpdateSchema(CampaignFieldsSchema):
    pass


class ScheduleSchema(StrictSchema):
    send_at = fields.AwareDateTime(required=True)


class CampaignSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    channel = fields.Str(required=True)
    status = fields.Str(required=True)
    segment_ids = fields.List(fields.UUID(), required=True)
    exclude_segment_ids = fields.List(fields.UUID(), required=True)
    variants = fields.List(fields.Nested(VariantSchema), required=True)
    budget = fields.Nested(MoneySchema, allow_none=True)
    cost = fields.Nested(MoneySchema, allow_none=True)
    attribution_days = fields.Int(required=True)
    send_at = fields.AwareDateTime(allow_none=True)
    launched_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


CampaignPageSchema = page_of(CampaignSchema, "CampaignPage")


class CampaignSearchSchema(PageQuerySchema):
    status = choice(CAMPAIGN_STATUSES, load_default=None)


class VariantStatsSchema(Schema):
    variant = fields.Str(required=True)
    recipients = fields.Int(required=True)
    sent = fields.Int(required=True)
    delivered = fields.Int(required=True)
    bounced = fields.Int(required=True)
    skipped = fields.Int(required=True)
    opened = fields.Int(required=True)
    clicked = fields.Int(required=True)
    unsubscribed = fields.Int(required=True)
    converted = fields.Int(required=True)
    revenue = fields.List(fields.Nested(MoneySchema), required=True)  # one entry per currency
    open_rate = fields.Float(allow_none=True)
    click_rate = fields.Float(allow_none=True)
    conversion_rate = fields.Float(allow_none=True)


class SignificanceSchema(Schema):
    metric = fields.Str(required=True)
    variant_a = fields.Str(required=True)
    variant_b = fields.Str(required=True)
    z = fields.Float(allow_none=True)
    p_value = fields.Float(allow_none=True)
    significant = fields.Bool(required=True)


class CampaignStatsSchema(VariantStatsSchema):
    campaign_id = fields.UUID(required=True)
    status = fields.Str(required=True)
    cost = fields.Nested(MoneySchema, allow_none=True)
    roi = fields.Float(allow_none=True)
    cost_per_acquisition = fields.Nested(MoneySchema, allow_none=True)
    attribution_days = fields.Int(required=True)
    variants = fields.List(fields.Nested(VariantStatsSchema), required=True)
    significance = fields.List(fields.Nested(SignificanceSchema), required=True)


# Event data


class SegmentEventSchema(Schema):
    segment_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    kind = fields.Str(required=True)
    member_count = fields.Int(required=True)


class MembershipChangedSchema(Schema):
    segment_id = fields.UUID(required=True)
    segment_name = fields.Str(required=True)
    contact_id = fields.UUID(required=True)
    change = fields.Str(required=True, validate=validate.OneOf(("joined", "left")))


class CampaignEventSchema(Schema):
    campaign_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    channel = fields.Str(required=True)
    status = fields.Str(required=True)
    send_at = fields.AwareDateTime(allow_none=True)
    recipients = fields.Int(allow_none=True)


class MessageSentSchema(Schema):
    campaign_id = fields.UUID(required=True)
    send_id = fields.Int(required=True)
    contact_id = fields.UUID(required=True)
    channel = fields.Str(required=True)
    variant = fields.Str(allow_none=True)
    sent_at = fields.AwareDateTime(required=True)


RESPONSE_KINDS = ("opened", "clicked", "unsubscribed", "bounced", "replied")


class ResponseRecordedSchema(Schema):
    campaign_id = fields.UUID(required=True)
    send_id = fields.Int(required=True)
    contact_id = fields.UUID(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(RESPONSE_KINDS))
    at = fields.AwareDateTime(required=True)
    detail = fields.Str(allow_none=True)


class BounceSchema(StrictSchema):
    send_id = fields.Int(required=True)
    hard = fields.Bool(load_default=True)
    reason = text(500, load_default=None, allow_none=True)


class ReplySchema(StrictSchema):
    send_id = fields.Int(required=True)
    received_at = fields.AwareDateTime(load_default=None)
