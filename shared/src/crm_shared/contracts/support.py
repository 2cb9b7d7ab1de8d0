"""The support service's contract: tickets, conversations, SLAs, contracts, rules and their events."""

from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from crm_shared.contracts.common import LONG, PageQuerySchema, StrictSchema, choice, page_of, text
from crm_shared.contracts.summaries import SlaStateSchema

CHANNELS = ("email", "phone", "web", "chat", "social")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
MESSAGE_KINDS = ("reply", "note")
AUTHOR_TYPES = ("agent", "customer")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLA_TARGETS = ("first_response", "resolution")
CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"


def _tags(**kwargs: object) -> fields.List:
    return fields.List(text(50, min_length=1), validate=validate.Length(max=20), **kwargs)  # type: ignore[arg-type]


class RequesterSchema(StrictSchema):
    name = text(200, allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class AttachmentCreateSchema(StrictSchema):
    filename = text(255, min_length=1, required=True)
    content_type = text(100, min_length=1, required=True)
    size_bytes = fields.Int(required=True, validate=validate.Range(min=0, max=10**10))
    storage_key = text(500, min_length=1, required=True)


class TicketCreateSchema(StrictSchema):
    contact_id = fields.UUID(required=True)
    account_id = fields.UUID(load_default=None, allow_none=True)
    requester = fields.Nested(RequesterSchema, load_default=None, allow_none=True)
    subject = text(200, min_length=1, required=True)
    description = text(LONG, load_default=None, allow_none=True)
    channel = choice(CHANNELS, required=True)
    category = text(100, load_default=None, allow_none=True)
    priority = choice(PRIORITIES, load_default=None, allow_none=True)
    tags = _tags(load_default=list)
    assignee = text(200, load_default=None, allow_none=True)
    team = text(100, load_default=None, allow_none=True)
    attachments = fields.List(
        fields.Nested(AttachmentCreateSchema), load_default=list, validate=validate.Length(max=20)
    )
    actor = text(200, load_default=None, allow_none=True)


class TicketUpdateSchema(StrictSchema):
    subject = text(200, min_length=1)
    description = text(LONG, allow_none=True)
    category = text(100, allow_none=True)
    priority = choice(PRIORITIES)
    tags = _tags()
    actor = text(200, allow_none=True)


class StatusMoveSchema(StrictSchema):
    status = choice(STATUSES, required=True)
    actor = text(200, load_default=None, allow_none=True)


class AssignmentSchema(StrictSchema):
    assignee = text(200, allow_none=True)
    team = text(100, allow_none=True)
    actor = text(200, load_default=None, allow_none=True)

    @validates_schema
    def _something_to_assign(self, data: dict[str, object], **_: object) -> None:
        if "assignee" not in data and "team" not in data:
            raise ValidationError("Give an assignee, a team or both.", "assignee")


class MessageCreateSchema(StrictSchema):
    body = text(LONG, min_length=1, required=True)
    author = text(200, load_default=None, allow_none=True)
    author_type = choice(AUTHOR_TYPES, load_default="agent")
    attachments = fields.List(
        fields.Nested(AttachmentCreateSchema), load_default=list, validate=validate.Length(max=20)
    )


class NoteCreateSchema(StrictSchema):
    body = text(LONG, min_length=1, required=True)
    author = text(200, load_default=None, allow_none=True)


class CsatSchema(StrictSchema):
    score = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = text(LONG, load_default=None, allow_none=True)


class TicketMergeSchema(StrictSchema):
    duplicate_id = fields.UUID(required=True)
    actor = text(200, load_default=None, allow_none=True)


class TicketSearchSchema(PageQuerySchema):
    q = fields.Str(load_default=None, validate=validate.Length(min=1, max=200))
    contact_id = fields.UUID(load_default=None)
    account_id = fields.UUID(load_default=None)
    status = choice(STATUSES, load_default=None)
    open = fields.Bool(load_default=None)
    priority = choice(PRIORITIES, load_default=None)
    channel = choice(CHANNELS, load_default=None)
    category = text(100, load_default=None)
    assignee = text(200, load_default=None)
    team = text(100, load_default=None)
    tag = text(50, load_default=None)
    updated_since = fields.AwareDateTime(load_default=None)


class FiredRuleSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)


class CsatResultSchema(Schema):
    score = fields.Int(required=True)
    comment = fields.Str(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)


class TicketSlaSchema(SlaStateSchema):
    """The summary's SLA state plus the level that applied and the warning times."""

    level = fields.Str(allow_none=True)
    first_response_warn_at = fields.AwareDateTime(allow_none=True)
    resolution_warn_at = fields.AwareDateTime(allow_none=True)
    paused_at = fields.AwareDateTime(allow_none=True)
    first_responded_at = fields.AwareDateTime(allow_none=True)


class TicketSchema(Schema):
    id = fields.UUID(required=True)
    contact_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    requester = fields.Nested(RequesterSchema, allow_none=True)
    subject = fields.Str(required=True)
    description = fields.Str(allow_none=True)
    channel = fields.Str(required=True)
    category = fields.Str(allow_none=True)
    priority = fields.Str(required=True)
    status = fields.Str(required=True)
    assignee = fields.Str(allow_none=True)
    team = fields.Str(allow_none=True)
    tags = fields.List(fields.Str(), required=True)
    sla = fields.Nested(TicketSlaSchema, required=True)
    fired_rule = fields.Nested(FiredRuleSchema, allow_none=True)
    csat = fields.Nested(CsatResultSchema, allow_none=True)
    merged_into = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    solved_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    version = fields.Int(required=True)


TicketPageSchema = page_of(TicketSchema, "TicketPage")


class AttachmentSchema(Schema):
    id = fields.UUID(required=True)
    ticket_id = fields.UUID(required=True)
    message_id = fields.UUID(allow_none=True)
    filename = fields.Str(required=True)
    content_type = fields.Str(required=True)
    size_bytes = fields.Int(required=True)
    storage_key = fields.Str(required=True)
    created_at = fields.AwareDateTime(required=True)


class MessageSchema(Schema):
    id = fields.UUID(required=True)
    ticket_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    author_type = fields.Str(required=True)
    author = fields.Str(allow_none=True)
    body = fields.Str(required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    created_at = fields.AwareDateTime(required=True)


MessagePageSchema = page_of(MessageSchema, "MessagePage")


class HistoryEntrySchema(Schema):
    id = fields.UUID(required=True)
    ticket_id = fields.UUID(required=True)
    action = fields.Str(required=True)
    actor = fields.Str(allow_none=True)
    changes = fields.Dict(required=True)
    occurred_at = fields.AwareDateTime(required=True)


HistoryPageSchema = page_of(HistoryEntrySchema, "HistoryPage")


class WorkingPeriodSchema(StrictSchema):
    start = fields.Str(required=True, validate=validate.Regexp(CLOCK, error="Not a time of day HH:MM."))
    end = fields.Str(required=True, validate=validate.Regexp(CLOCK, error="Not a time of day HH:MM."))


class CalendarCreateSchema(StrictSchema):
    name = text(200, min_length=1, required=True)
    timezone = fields.Str(required=True)
    hours = fields.Dict(
        keys=fields.Str(validate=validate.OneOf(WEEKDAYS)),
        values=fields.List(fields.Nested(WorkingPeriodSchema), validate=validate.Length(max=10)),
        required=True,
    )
    holidays = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=1000))

    @validates("timezone")
    def _known_zone(self, value: str, **_: object) -> None:
        if value not in _zones():
            raise ValidationError("Not a known IANA time zone.")


def _zones() -> set[str]:
    global _ZONES
    if not _ZONES:
        _ZONES = available_timezones()
    return _ZONES


_ZONES: set[str] = set()


class CalendarSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    timezone = fields.Str(required=True)
    hours = fields.Dict(keys=fields.Str(), values=fields.List(fields.Nested(WorkingPeriodSchema)), required=True)
    holidays = fields.List(fields.Date(), required=True)
    created_at = fields.AwareDateTime(required=True)


class SlaPolicyCreateSchema(StrictSchema):
    name = text(200, min_length=1, required=True)
    contract_level = text(50, min_length=1, load_default="default")
    priority = choice(PRIORITIES, required=True)
    first_response_minutes = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=10**6))
    resolution_minutes = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=10**6))
    calendar_id = fields.UUID(load_default=None, allow_none=True)


class SlaPolicySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    contract_level = fields.Str(required=True)
    priority = fields.Str(required=True)
    first_response_minutes = fields.Int(required=True)
    resolution_minutes = fields.Int(required=True)
    calendar_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class ContractCreateSchema(StrictSchema):
    account_id = fields.UUID(required=True)
    level = text(50, min_length=1, required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    channels = fields.List(choice(CHANNELS), load_default=list)

    @validates_schema
    def _ends_after_start(self, data: dict[str, object], **_: object) -> None:
        start, end = data.get("valid_from"), data.get("valid_until")
        if start is not None and end is not None and end < start:  # type: ignore[operator]
            raise ValidationError("Must not be before valid_from.", "valid_until")


class ContractSchema(Schema):
    id = fields.UUID(required=True)
    account_id = fields.UUID(required=True)
    level = fields.Str(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    channels = fields.List(fields.Str(), required=True)
    created_at = fields.AwareDateTime(required=True)


class ContractSearchSchema(PageQuerySchema):
    account_id = fields.UUID(load_default=None)


class RuleActionsSchema(StrictSchema):
    category = text(100)
    priority = choice(PRIORITIES)
    team = text(100)

    @validates_schema
    def _sets_something(self, data: dict[str, object], **_: object) -> None:
        if not data:
            raise ValidationError("A rule sets at least one of category, priority, team.", "_schema")


class RuleCreateSchema(StrictSchema):
    """``conditions`` is a condition tree; the service checks its shape and names the bad place."""

    name = text(200, min_length=1, required=True)
    position = fields.Int(load_default=100, strict=True, validate=validate.Range(min=0, max=10**6))
    active = fields.Bool(load_default=True)
    conditions = fields.Dict(required=True)
    actions = fields.Nested(RuleActionsSchema, required=True)


class RuleUpdateSchema(StrictSchema):
    name = text(200, min_length=1)
    position = fields.Int(strict=True, validate=validate.Range(min=0, max=10**6))
    active = fields.Bool()
    conditions = fields.Dict()
    actions = fields.Nested(RuleActionsSchema)


class RuleSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    position = fields.Int(required=True)
    active = fields.Bool(required=True)
    conditions = fields.Dict(required=True)
    actions = fields.Dict(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Int(required=True)


CalendarPageSchema = page_of(CalendarSchema, "CalendarPage")
SlaPolicyPageSchema = page_of(SlaPolicySchema, "SlaPolicyPage")
ContractPageSchema = page_of(ContractSchema, "ContractPage")
RulePageSchema = page_of(RuleSchema, "RulePage")


# Event data ------------------------------------------------------------------------------------


class TicketStatusChangedSchema(Schema):
    ticket = fields.Nested(TicketSchema, required=True)
    from_status = fields.Str(required=True)
    to_status = fields.Str(required=True)


class TicketAssignedSchema(Schema):
    ticket = fields.Nested(TicketSchema, required=True)
    assignee = fields.Str(allow_none=True)
    team = fields.Str(allow_none=True)


class SlaMilestoneSchema(Schema):
    ticket_id = fields.UUID(required=True)
    contact_id = fields.UUID(allow_none=True)
    target = fields.Str(required=True, validate=validate.OneOf(SLA_TARGETS))
    due_at = fields.AwareDateTime(required=True)
    priority = fields.Str(required=True)
    level = fields.Str(allow_none=True)
    assignee = fields.Str(allow_none=True)
    team = fields.Str(allow_none=True)


class CsatRecordedSchema(Schema):
    ticket_id = fields.UUID(required=True)
    contact_id = fields.UUID(allow_none=True)
    score = fields.Int(required=True)
    comment = fields.Str(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)
