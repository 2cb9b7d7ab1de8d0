"""Example payloads made from an event's own schema, checked by loading them with it."""

from __future__ import annotations

import re
import uuid
from typing import Any, cast

from marshmallow import Schema, fields, validate

from crm_shared.contracts.loading import schema_instance

EXAMPLE_NAMESPACE = uuid.UUID("6f1c2a9e-7d4b-4c1e-9a57-0c3e5b8d2f10")
EXAMPLE_TIME = "2026-01-15T09:30:00+00:00"
# Tried in order against a field's pattern; the first that matches is used.
PATTERN_CANDIDATES = ("EUR", "DE", "example.com", "+44 20 7946 0000", "example", "A1")


def example_data(schema: type[Schema]) -> dict[str, Any]:
    """Data for one event of this schema, as it travels on the wire (loaded and dumped by the schema)."""
    instance = schema_instance(schema)
    return dict(instance.dump(instance.load(_object(instance, schema.__name__))))


def _object(schema: Schema, path: str) -> dict[str, Any]:
    return {field.data_key or name: _value(field, f"{path}.{name}") for name, field in schema.fields.items()}


def _value(field: fields.Field, path: str) -> Any:  # noqa: PLR0911 - one branch per field kind
    if isinstance(field, fields.Nested):
        nested = field.schema
        return [_object(nested, path)] if nested.many else _object(nested, path)
    if isinstance(field, fields.List):
        return [_value(field.inner, path)]
    if isinstance(field, fields.Dict):
        return {}
    if isinstance(field, fields.UUID):
        return str(uuid.uuid5(EXAMPLE_NAMESPACE, path))
    if isinstance(field, fields.DateTime):
        return EXAMPLE_TIME
    if isinstance(field, fields.Date):
        return EXAMPLE_TIME[:10]
    if isinstance(field, fields.Bool):
        return True
    if isinstance(field, fields.Decimal):
        return "120.00"
    if isinstance(field, fields.Number):
        return _number(field)
    if isinstance(field, fields.Email):
        return "ada@example.com"
    if isinstance(field, fields.Url):
        return "https://example.com/"
    return _string(field, path)


def _number(field: fields.Number) -> int | float:
    minimum = next((v.min for v in field.validators if isinstance(v, validate.Range) and v.min is not None), None)
    value = minimum if minimum is not None else 1
    return float(value) + 0.5 if isinstance(field, fields.Float) and minimum is None else value


def _string(field: fields.Field, path: str) -> str:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return str(next(iter(validator.choices)))
        if isinstance(validator, validate.Equal):
            return str(validator.comparable)
        if isinstance(validator, validate.Regexp):
            regex = cast("re.Pattern[str]", validator.regex)
            return next((c for c in PATTERN_CANDIDATES if regex.match(c)), "example")
    name = path.rsplit(".", 1)[-1]
    limit = min((v.max for v in field.validators if isinstance(v, validate.Length) and v.max), default=None)
    text = re.sub(r"_+", " ", name).strip() or "example"
    return text[:limit] if limit else text
