"""Marshmallow schemas as the JSON Schemas an AsyncAPI document carries (apispec's converter)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields


def _decimal_as_string(self: Any, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    # Money travels as a decimal string ("120.00"), never a float; apispec would say "number".
    if isinstance(field, fields.Decimal) and field.as_string:
        nullable = isinstance(ret.get("type"), list) and "null" in ret["type"]
        ret["type"] = ["string", "null"] if nullable else "string"
        ret["format"] = "decimal"
        ret.pop("minimum", None)
        ret.pop("maximum", None)
    return {}


class SchemaRegistry:
    """Collects named JSON Schemas; nested marshmallow schemas are registered as they are met."""

    def __init__(self) -> None:
        self._plugin = MarshmallowPlugin()
        self._spec = APISpec("events", "1", "3.1.0", plugins=[self._plugin])
        assert self._plugin.converter is not None
        self._plugin.converter.add_attribute_function(_decimal_as_string)

    def ref(self, schema: type[Schema]) -> dict[str, Any]:
        """A ``$ref`` to the schema, registering it (and what it nests) the first time."""
        assert self._plugin.converter is not None
        return dict(self._plugin.converter.resolve_nested_schema(schema))

    def schemas(self) -> dict[str, Any]:
        return dict(self._spec.to_dict().get("components", {}).get("schemas", {}))
