"""Handlers for what configures support: calendars, SLA policies, contracts and routing rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema

from crm_shared.contracts import support as s
from crm_shared.errors import Conflict, Invalid, NotFound, StaleVersion
from crm_support.adapters.tables import calendars, rules, sla_policies, support_contracts
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain.rules import RuleError, validate_condition
from crm_support.service_layer import present
from crm_support.service_layer.sla import calendar_from

KINDS: dict[str, tuple[sa.Table, type[Schema], str]] = {
    "calendar": (calendars, s.CalendarSchema, "No such calendar."),
    "sla_policy": (sla_policies, s.SlaPolicySchema, "No such SLA policy."),
    "contract": (support_contracts, s.ContractSchema, "No such contract."),
    "rule": (rules, s.RuleSchema, "No such rule."),
}


def create_calendar(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    hours = {day: [dict(p) for p in spans] for day, spans in fields["hours"].items()}
    values = {
        "id": uuid.uuid4(), "name": fields["name"], "timezone": fields["timezone"], "hours": hours,
        "holidays": sorted(d.isoformat() for d in fields["holidays"]), "created_at": now,
    }  # fmt: skip
    try:
        calendar_from(values)
    except ValueError as error:
        raise Invalid("Input is not valid.", fields={"hours": [str(error)]}) from None
    uow.setup.add(calendars, values)
    return present.record(s.CalendarSchema, values), None


def create_sla_policy(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    if fields.get("calendar_id") and uow.setup.get(calendars, fields["calendar_id"]) is None:
        raise Invalid("Input is not valid.", fields={"calendar_id": ["No such calendar."]})
    if uow.setup.policy_for(fields["contract_level"], fields["priority"]) is not None:
        raise Conflict("A policy for this contract level and priority exists.", field="priority")
    values = {"id": uuid.uuid4(), "created_at": now, **fields}
    uow.setup.add(sla_policies, values)
    return present.record(s.SlaPolicySchema, values), None


def create_contract(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    values = {"id": uuid.uuid4(), "created_at": now, **fields, "channels": list(dict.fromkeys(fields["channels"]))}
    uow.setup.add(support_contracts, values)
    return present.record(s.ContractSchema, values), None


def checked_conditions(conditions: Any) -> Any:
    """Refuse a condition tree that cannot be parsed, naming the exact place."""
    try:
        validate_condition(conditions)
    except RuleError as error:
        raise Invalid("The rule cannot be parsed.", fields={error.path: [error.message]}) from None
    return conditions


def create_rule(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    values = {
        "id": uuid.uuid4(), **fields, "conditions": checked_conditions(fields["conditions"]),
        "created_at": now, "updated_at": now, "version": 1,
    }  # fmt: skip
    uow.setup.add(rules, values)
    return present.record(s.RuleSchema, values), None


def update_rule(
    uow: Uow, rule_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None, now: datetime
) -> tuple[Any, Any]:
    current = uow.setup.get(rules, rule_id)
    if current is None:
        raise NotFound("No such rule.", rule_id=str(rule_id))
    if expected_version is not None and expected_version != current["version"]:
        raise StaleVersion("The rule has changed since you read it.", version=current["version"])
    if not changes:
        raise Invalid("Nothing to change.", fields={"_schema": ["No fields given."]})
    if "conditions" in changes:
        checked_conditions(changes["conditions"])
    values = {**current, **changes, "updated_at": now, "version": current["version"] + 1}
    uow.setup.save_rule(values, current["version"])
    return present.record(s.RuleSchema, values), None


def get_record(uow: Uow, kind: str, record_id: uuid.UUID) -> dict[str, Any]:
    table, schema, missing = KINDS[kind]
    found = uow.setup.get(table, record_id)
    if found is None:
        raise NotFound(missing, id=str(record_id))
    return present.record(schema, found)


def list_records(uow: Uow, kind: str, page: dict[str, Any], **equal: Any) -> dict[str, Any]:
    table, schema, _ = KINDS[kind]
    found, next_cursor = uow.setup.page(table, page.get("cursor"), page["limit"], **equal)
    return present.page(found, next_cursor, lambda r: present.record(schema, r))
