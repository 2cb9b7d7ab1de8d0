"""Building blocks of every contract: strict input, bounded strings, pages."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

SHORT = 200
LONG = 10_000


class StrictSchema(Schema):
    """Input schemas refuse unknown fields so a typo never passes silently."""

    class Meta:
        unknown = RAISE


def text(max_length: int = SHORT, *, min_length: int | None = None, **kwargs: Any) -> fields.Str:
    return fields.Str(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def choice(options: tuple[str, ...], **kwargs: Any) -> fields.Str:
    return fields.Str(validate=validate.OneOf(options), **kwargs)


class ScalarField(fields.Field):
    """A custom-field value: string, number, boolean or null, nothing nested."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            if len(value) > LONG:
                raise ValidationError(f"Longer than maximum length {LONG}.")
            return value
        raise ValidationError("Must be a string, number, boolean or null.")


def bounded_dict(max_keys: int = 100, **kwargs: Any) -> fields.Dict:
    return fields.Dict(
        keys=fields.Str(validate=validate.Length(min=1, max=100)),
        values=ScalarField(allow_none=True),
        validate=validate.Length(max=max_keys),
        **kwargs,
    )


class PageQuerySchema(StrictSchema):
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=500))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page of items with the cursor of the next page, or null at the end."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.Str(allow_none=True, required=True),
        },
        name=name,
    )


class MoneySchema(StrictSchema):
    """An amount as a decimal string (never a float) with its ISO 4217 currency."""

    amount = fields.Decimal(required=True, as_string=True, places=2, validate=validate.Range(min=0))
    currency = fields.Str(required=True, validate=validate.Regexp(r"^[A-Z]{3}$", error="Not an ISO 4217 code."))
