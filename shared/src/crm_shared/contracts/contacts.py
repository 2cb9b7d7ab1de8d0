"""The contacts context's contract: people, companies, consent, interactions and tasks."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from crm_shared.contracts.common import (
    LONG,
    PageQuerySchema,
    StrictSchema,
    bounded_dict,
    choice,
    page_of,
    text,
)

LIFECYCLE_STAGES = ("subscriber", "lead", "opportunity", "customer", "evangelist", "other")
PROVENANCES = ("manual", "imported", "purchased_list", "rented_list", "third_party_overlay")
CONSENT_PURPOSES = ("email_marketing", "phone_marketing", "profiling", "third_party_sharing")
CONSENT_CHANNELS = ("email", "phone", "sms", "post", "any")
CONSENT_ACTIONS = ("grant", "withdraw")
INTERACTION_KINDS = ("call", "email", "meeting", "note")
DIRECTIONS = ("inbound", "outbound")
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+")


class EmailSchema(StrictSchema):
    address = fields.Email(required=True, validate=validate.Length(max=254))
    label = text(50, load_default="work")
    primary = fields.Bool(load_default=False)


class PhoneSchema(StrictSchema):
    number = fields.Str(required=True, validate=validate.Length(min=3, max=40))
    label = text(50, load_default="work")
    primary = fields.Bool(load_default=False)


class AddressSchema(StrictSchema):
    label = text(50, load_default="work")
    street = text(300, load_default=None, allow_none=True)
    city = text(100, load_default=None, allow_none=True)
    region = text(100, load_default=None, allow_none=True)
    postal_code = text(20, load_default=None, allow_none=True)
    country = fields.Str(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}$"))


class MarketingDataSchema(StrictSchema):
    demographics = bounded_dict(50, load_default=dict)
    interests = fields.List(text(100), load_default=list, validate=validate.Length(max=100))
    preferences = bounded_dict(50, load_default=dict)


def _one_primary_at_most(items: list[dict[str, Any]] | None, field: str) -> None:
    if items and sum(1 for item in items if item.get("primary")) > 1:
        raise ValidationError("At most one may be primary.", field)


class ContactFieldsSchema(StrictSchema):
    """Fields a client may set on a contact; shared by create and update."""

    first_name = text(100, allow_none=True)
    last_name = text(100, allow_none=True)
    emails = fields.List(fields.Nested(EmailSchema), validate=validate.Length(max=20))
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=20))
    addresses = fields.List(fields.Nested(AddressSchema), validate=validate.Length(max=10))
    job_title = text(200, allow_none=True)
    account_id = fields.UUID(allow_none=True)
    owner = text(200, allow_none=True)
    lifecycle_stage = choice(LIFECYCLE_STAGES)
    tags = fields.List(fields.Str(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=50))
    source = text(200, allow_none=True)
    provenance = choice(PROVENANCES)
    marketing = fields.Nested(MarketingDataSchema)
    custom_fields = bounded_dict(100)

    @validates_schema
    def _check_primaries(self, data: dict[str, Any], **_: Any) -> None:
        _one_primary_at_most(data.get("emails"), "emails")
        _one_primary_at_most(data.get("phones"), "phones")


class ContactCreateSchema(ContactFieldsSchema):
    @validates_schema
    def _check_identifiable(self, data: dict[str, Any], **_: Any) -> None:
        if not (data.get("first_name") or data.get("last_name") or data.get("emails")):
            raise ValidationError("A contact needs a first name, a last name or an email.", "last_name")


class ContactUpdateSchema(ContactFieldsSchema):
    """Partial update: only the fields given change."""


class ContactSchema(Schema):
    """The full current representation, as returned and as published in events."""

    id = fields.UUID(required=True)
    first_name = fields.Str(allow_none=True)
    last_name = fields.Str(allow_none=True)
    emails = fields.List(fields.Nested(EmailSchema), required=True)
    phones = fields.List(fields.Nested(PhoneSchema), required=True)
    addresses = fields.List(fields.Nested(AddressSchema), required=True)
    job_title = fields.Str(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    owner = fields.Str(allow_none=True)
    lifecycle_stage = fields.Str(required=True)
    tags = fields.List(fields.Str(), required=True)
    source = fields.Str(allow_none=True)
    provenance = fields.Str(required=True)
    marketing = fields.Nested(MarketingDataSchema, required=True)
    custom_fields = fields.Dict(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


class ContactSearchSchema(PageQuerySchema):
    q = fields.Str(load_default=None, validate=validate.Length(min=1, max=200))
    tag = fields.Str(load_default=None, validate=validate.Length(max=50))
    lifecycle_stage = choice(LIFECYCLE_STAGES, load_default=None)
    owner = text(200, load_default=None)
    account_id = fields.UUID(load_default=None)
    updated_since = fields.AwareDateTime(load_default=None)


ContactPageSchema = page_of(ContactSchema, "ContactPage")


class AccountFieldsSchema(StrictSchema):
    name = text(200)
    domain = fields.Str(
        allow_none=True,
        validate=validate.Regexp(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$", flags=2),
    )
    industry = text(100, allow_none=True)
    size = choice(COMPANY_SIZES, allow_none=True)
    address = fields.Nested(AddressSchema, allow_none=True)
    parent_account_id = fields.UUID(allow_none=True)


class AccountCreateSchema(AccountFieldsSchema):
    name = text(200, min_length=1, required=True)


class AccountSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    domain = fields.Str(allow_none=True)
    industry = fields.Str(allow_none=True)
    size = fields.Str(allow_none=True)
    address = fields.Nested(AddressSchema, allow_none=True)
    parent_account_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


class AccountSearchSchema(PageQuerySchema):
    q = fields.Str(load_default=None, validate=validate.Length(min=1, max=200))


AccountPageSchema = page_of(AccountSchema, "AccountPage")


class ConsentChangeSchema(StrictSchema):
    purpose = choice(CONSENT_PURPOSES, required=True)
    channel = choice(CONSENT_CHANNELS, required=True)
    action = choice(CONSENT_ACTIONS, required=True)
    source = text(200, min_length=1, required=True)
    evidence = text(2000, load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(load_default=None)


class ConsentEntrySchema(Schema):
    purpose = fields.Str(required=True)
    channel = fields.Str(required=True)
    action = fields.Str(required=True)
    source = fields.Str(required=True)
    evidence = fields.Str(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class ConsentStateSchema(Schema):
    purpose = fields.Str(required=True)
    channel = fields.Str(required=True)
    granted = fields.Bool(required=True)
    since = fields.AwareDateTime(required=True)


class ConsentsSchema(Schema):
    contact_id = fields.UUID(required=True)
    state = fields.List(fields.Nested(ConsentStateSchema), required=True)
    history = fields.List(fields.Nested(ConsentEntrySchema), required=True)


class InteractionCreateSchema(StrictSchema):
    kind = choice(INTERACTION_KINDS, required=True)
    direction = choice(DIRECTIONS, load_default=None, allow_none=True)
    channel = text(50, load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(load_default=None)
    summary = text(LONG, min_length=1, required=True)
    actor = text(200, load_default=None, allow_none=True)


class InteractionSchema(Schema):
    id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    direction = fields.Str(allow_none=True)
    channel = fields.Str(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    summary = fields.Str(required=True)
    actor = fields.Str(allow_none=True)


InteractionPageSchema = page_of(InteractionSchema, "InteractionPage")


class TaskCreateSchema(StrictSchema):
    title = text(500, min_length=1, required=True)
    due_at = fields.AwareDateTime(required=True)
    owner = text(200, load_default=None, allow_none=True)
    notes = text(LONG, load_default=None, allow_none=True)


class TaskUpdateSchema(StrictSchema):
    title = text(500, min_length=1)
    due_at = fields.AwareDateTime()
    owner = text(200, allow_none=True)
    notes = text(LONG, allow_none=True)
    done = fields.Bool()


class TaskSchema(Schema):
    id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    title = fields.Str(required=True)
    due_at = fields.AwareDateTime(required=True)
    owner = fields.Str(allow_none=True)
    notes = fields.Str(allow_none=True)
    done = fields.Bool(required=True)
    done_at = fields.AwareDateTime(allow_none=True)
    version = fields.Int(required=True)


class TaskSearchSchema(PageQuerySchema):
    contact_id = fields.UUID(load_default=None)
    owner = text(200, load_default=None)
    done = fields.Bool(load_default=None)
    due_before = fields.AwareDateTime(load_default=None)


TaskPageSchema = page_of(TaskSchema, "TaskPage")


class MergeSchema(StrictSchema):
    merged_id = fields.UUID(required=True)


class DuplicateSchema(Schema):
    contact_id = fields.UUID(required=True)
    reasons = fields.List(fields.Str(), required=True)


class ErasureSchema(Schema):
    contact_id = fields.UUID(required=True)
    erased_at = fields.AwareDateTime(required=True)


class PiiInventorySchema(Schema):
    service = fields.Str(required=True)
    contact_id = fields.UUID(required=True)
    places = fields.Dict(keys=fields.Str(), values=fields.Int(), required=True)


class MergedContactSchema(Schema):
    survivor_id = fields.UUID(required=True)
    merged_id = fields.UUID(required=True)
    contact = fields.Nested(ContactSchema, required=True)


class ConsentChangedSchema(Schema):
    contact_id = fields.UUID(required=True)
    change = fields.Nested(ConsentEntrySchema, required=True)
    state = fields.List(fields.Nested(ConsentStateSchema), required=True)


class ImportRowErrorSchema(Schema):
    row = fields.Int(required=True)
    fields_ = fields.Dict(data_key="fields", required=True)


class ImportResultSchema(Schema):
    created = fields.Int(required=True)
    rejected = fields.List(fields.Nested(ImportRowErrorSchema), required=True)
