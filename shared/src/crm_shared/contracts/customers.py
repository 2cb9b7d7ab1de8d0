"""The unified customer record (customer 360) and its timeline, as the gateway serves them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from crm_shared.contracts.common import PageQuerySchema, page_of
from crm_shared.contracts.contacts import AccountSchema, ConsentStateSchema, ContactSchema
from crm_shared.contracts.summaries import MarketingSummarySchema, SalesSummarySchema, SupportSummarySchema

# Every part of the record, in the order the record lists them.
PARTS = ("contact", "account", "consents", "sales", "marketing", "support")


class CustomerConsentsSchema(Schema):
    state = fields.List(fields.Nested(ConsentStateSchema), required=True)


class CustomerRecordSchema(Schema):
    """A part the caller's role may not see is left out; one that could not be had is in ``unavailable``.

    ``account`` is null for a contact at no company.
    """

    contact_id = fields.UUID(required=True)
    contact = fields.Nested(ContactSchema)
    account = fields.Nested(AccountSchema, allow_none=True)
    consents = fields.Nested(CustomerConsentsSchema)
    sales = fields.Nested(SalesSummarySchema)
    marketing = fields.Nested(MarketingSummarySchema)
    support = fields.Nested(SupportSummarySchema)
    as_of = fields.Dict(
        keys=fields.Str(validate=validate.OneOf(PARTS)),
        values=fields.AwareDateTime(allow_none=True),
        required=True,
        metadata={"description": "Per part, the time of the newest fact it reflects."},
    )
    unavailable = fields.List(fields.Str(validate=validate.OneOf(PARTS)), required=True)


class TimelineEntrySchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "The event's id."})
    occurred_at = fields.AwareDateTime(required=True)
    service = fields.Str(required=True)
    type = fields.Str(required=True, metadata={"description": "The event type, e.g. opportunity.stage_changed."})
    aggregate_id = fields.Str(required=True)
    data = fields.Dict(required=True, metadata={"description": "The event's data as published."})


TimelinePageSchema = page_of(TimelineEntrySchema, "TimelinePage")


class TimelineQuerySchema(PageQuerySchema):
    service = fields.Str(load_default=None, validate=validate.OneOf(("contacts", "sales", "marketing", "support")))


class ContactPiiInventorySchema(Schema):
    """Where each service holds personal data about the contact: all counts 0 once an erasure has reached it."""

    contact_id = fields.UUID(required=True)
    services = fields.Dict(
        keys=fields.Str(),
        values=fields.Dict(keys=fields.Str(), values=fields.Int()),
        required=True,
        metadata={"description": "service -> place -> rows (or messages) about the contact"},
    )
    total = fields.Int(required=True)
    unavailable = fields.List(fields.Str(), required=True, metadata={"description": "Services that did not answer."})
