"""A compiled dump gives exactly what the schema's own dump gives, or refuses to compile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import Schema, fields, post_dump

from crm_shared.contracts import contacts
from crm_shared.contracts.dumping import compiled_dump

NOW = datetime(2026, 12, 7, 21, 30, 5, 123456, tzinfo=UTC)


@dataclass
class Person:
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    first_name: str | None = "Ada"
    last_name: str | None = None
    emails: list[dict[str, Any]] = field(
        default_factory=lambda: [{"address": "ada@example.com", "label": "work", "primary": True}]
    )
    phones: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(
        default_factory=lambda: [{"label": "home", "street": None, "city": "Zürich", "country": "CH"}]
    )
    job_title: str | None = None
    account_id: uuid.UUID | None = None
    owner: str | None = "bob@example.com"
    lifecycle_stage: str = "lead"
    tags: list[str] = field(default_factory=lambda: ["vip", "beta"])
    source: str | None = None
    provenance: str = "manual"
    marketing: dict[str, Any] = field(
        default_factory=lambda: {"demographics": {"age": 41}, "interests": ["chess"], "preferences": {"x": None}}
    )
    custom_fields: dict[str, Any] = field(default_factory=lambda: {"tier": "gold", "score": 4.5, "ok": True})
    created_at: datetime = NOW
    updated_at: datetime = NOW
    version: int = 3


def test_a_contact_dumps_as_the_contract_schema_dumps_it():
    schema = contacts.ContactSchema()
    for person in (Person(), Person(account_id=uuid.uuid4(), emails=[], addresses=[], custom_fields={})):
        assert compiled_dump(schema)(person) == schema.dump(person)
        assert list(compiled_dump(schema)(person)) == list(schema.dump(person))


def test_a_dict_missing_keys_leaves_them_out_as_the_schema_does():
    schema = contacts.AccountSchema()
    account = {"id": str(uuid.uuid4()), "name": "Acme", "created_at": NOW, "address": None, "extra": 1}
    assert compiled_dump(schema)(account) == schema.dump(account)


def test_values_of_other_types_are_converted_as_the_schema_converts_them():
    class Mixed(Schema):
        text = fields.Str()
        number = fields.Int()
        ratio = fields.Float()
        when = fields.Date()
        anything = fields.Raw()
        flags = fields.List(fields.Bool())

    value = {"text": 12, "number": "7", "ratio": 1, "when": date(2026, 1, 2), "anything": {"a": [1]}, "flags": [1]}
    assert compiled_dump(Mixed())(value) == Mixed().dump(value)


def test_fields_whose_dump_is_not_a_plain_conversion_are_refused():
    class Computed(Schema):
        name = fields.Method("shout")

        def shout(self, obj: Any) -> str:
            return "!"

    class Hooked(Schema):
        name = fields.Str()

        @post_dump
        def changed(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
            return data

    with pytest.raises(TypeError, match="Method"):
        compiled_dump(Computed())
    with pytest.raises(TypeError, match="hooks"):
        compiled_dump(Hooked())
