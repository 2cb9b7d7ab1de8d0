"""Building blocks of every contract: strict input, bounded strings, pages."""

from __future__ import annotations

from decimal import Decimal
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


# Active ISO 4217 currency codes (2025 list, with XCG and ZWG); precious metals, the
# testing code and "no currency" (XAU, XAG, XPD, XPT, XBA-XBD, XDR, XSU, XUA, XTS, XXX) are not money.
ISO_4217_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF
    YER ZAR ZMW ZWG
    """.split()
)


def currency(**kwargs: Any) -> fields.Str:
    return fields.Str(
        validate=validate.OneOf(sorted(ISO_4217_CURRENCIES), error="Not an ISO 4217 currency code."), **kwargs
    )


MAX_AMOUNT = Decimal(10**15)


def _within_amount_range(value: Decimal) -> None:
    # A plain function, not validate.Range: the API document would show the Decimal bounds as strings.
    if not Decimal(0) <= value < MAX_AMOUNT:
        raise ValidationError(f"Must be at least 0 and less than {MAX_AMOUNT}.")


def amount(**kwargs: Any) -> fields.Decimal:
    """A non-negative decimal with two places, written as a string on the wire."""
    metadata = {"type": "string", "format": "decimal", "example": "123.45"}
    return fields.Decimal(as_string=True, places=2, validate=_within_amount_range, metadata=metadata, **kwargs)


class MoneySchema(StrictSchema):
    """An amount as a decimal string (never a float) with its ISO 4217 currency."""

    amount = amount(required=True)
    currency = currency(required=True)
