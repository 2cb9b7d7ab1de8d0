"""Loading input with a contract schema, turning marshmallow's errors into ``Invalid``."""

from __future__ import annotations

import functools
import uuid
from typing import Any, Literal

from marshmallow import Schema, ValidationError

from crm_shared.errors import Invalid


@functools.cache
def schema_instance(schema: type[Schema], unknown: Literal["exclude", "include", "raise"] | None = None) -> Schema:
    """One instance per schema class (and ``unknown`` policy): building one costs more than using it."""
    return schema(unknown=unknown)


def load(schema: Schema, data: Any, *, partial: bool = False) -> Any:
    if not isinstance(data, dict):
        raise Invalid("Input must be an object.", fields={"_schema": ["Input must be an object."]})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        raise Invalid("Input is not valid.", fields=error.messages) from None


def load_input(schema: type[Schema], data: Any) -> Any:
    """RPC input loaded with its contract schema; a missing body is an empty one."""
    return load(schema_instance(schema), data if data is not None else {})


def dump(schema: Schema, obj: Any) -> Any:
    return schema.dump(obj)


def parse_id(value: Any, field: str) -> uuid.UUID:
    """A UUID given as text, or ``Invalid`` naming the field."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Invalid("Input is not valid.", fields={field: ["Not a valid UUID."]}) from None


def parse_version(value: Any, field: str = "expected_version") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid("Input is not valid.", fields={field: ["Not a valid version."]})
    return value
