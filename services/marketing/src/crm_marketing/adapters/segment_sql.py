"""Segment rules compiled to one SQL condition over the audience read model.

The rules were validated by the contract (``crm_shared.contracts.marketing``), so every
field and operator here is known; values are always bound parameters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from crm_marketing.adapters.tables import audience, audience_facts
from crm_shared.contracts.marketing import field_kind

COLUMNS = {
    "lifecycle_stage": audience.c.lifecycle_stage,
    "owner": audience.c.owner,
    "email_consent": audience.c.email_consent,
    "value_tier": audience.c.value_tier,
    "rfm.recency": audience.c.rfm_recency,
    "rfm.frequency": audience.c.rfm_frequency,
    "rfm.monetary": audience.c.rfm_monetary,
    "last_order_at": audience.c.last_order_at,
    "last_interaction_at": audience.c.last_interaction_at,
    "open_tickets": audience.c.open_tickets,
}


def segment_condition(rules: dict[str, Any], now: datetime) -> ColumnElement[bool]:
    """The whole rule tree as one boolean expression on ``audience``; merged contacts never match."""
    return sa.and_(audience.c.merged_into.is_(None), _group(rules, now))


def matching_contacts(rules: dict[str, Any], now: datetime) -> sa.Select[Any]:
    return sa.select(audience.c.contact_id).where(segment_condition(rules, now))


def _group(rules: dict[str, Any], now: datetime) -> ColumnElement[bool]:
    joiner, items = next(iter(rules.items()))
    parts = [_group(item, now) if ("all" in item or "any" in item) else _condition(item, now) for item in items]
    return sa.and_(*parts) if joiner == "all" else sa.or_(*parts)


def _condition(condition: dict[str, Any], now: datetime) -> ColumnElement[bool]:
    name, operator, value = condition["field"], condition["operator"], condition.get("value")
    kind = field_kind(name)
    if kind in ("set", "attribute"):
        return _fact(name, kind, operator, value)
    column = COLUMNS[name]
    if kind == "time":
        return _time(column, operator, value, now)
    return _compare(column, operator, value)


def _compare(column: Any, operator: str, value: Any) -> ColumnElement[bool]:
    if operator == "is_null":
        return column.is_(None)
    if operator == "is_not_null":
        return column.is_not(None)
    if operator in ("neq", "not_in"):
        # SQL's NULL <> x is unknown; a contact without the fact does differ from x.
        differs = column != value if operator == "neq" else column.not_in(value)
        return sa.or_(column.is_(None), differs)
    comparisons = {
        "eq": lambda: column == value,
        "in": lambda: column.in_(value),
        "gt": lambda: column > value,
        "gte": lambda: column >= value,
        "lt": lambda: column < value,
        "lte": lambda: column <= value,
    }
    return comparisons[operator]()  # type: ignore[no-any-return]


def _time(column: Any, operator: str, value: Any, now: datetime) -> ColumnElement[bool]:
    if operator in ("is_null", "is_not_null"):
        return _compare(column, operator, value)
    if operator in ("before", "after"):
        moment = datetime.fromisoformat(value)
        return column < moment if operator == "before" else column > moment
    since = now - timedelta(days=int(value))
    if operator == "within_days":
        return column >= since
    return sa.or_(column.is_(None), column < since)


def _fact(name: str, kind: str, operator: str, value: Any) -> ColumnElement[bool]:
    if kind == "set":
        fact_name = name
        has = {"contains": (True, [value]), "not_contains": (False, [value]),
               "contains_any": (True, value), "contains_none": (False, value)}[operator]  # fmt: skip
        return _has_fact(fact_name, has[1]) if has[0] else ~_has_fact(fact_name, has[1])
    if operator == "is_null":
        return ~_has_fact(name, None)
    if operator == "is_not_null":
        return _has_fact(name, None)
    if operator in ("eq", "in"):
        return _has_fact(name, [value] if operator == "eq" else value)
    return ~_has_fact(name, [value] if operator == "neq" else value)


def _has_fact(name: str, values: list[Any] | None) -> ColumnElement[bool]:
    found = sa.select(audience_facts.c.contact_id).where(
        audience_facts.c.contact_id == audience.c.contact_id, audience_facts.c.name == name
    )
    if values is not None:
        found = found.where(audience_facts.c.value.in_([str(v) for v in values]))
    return found.exists()
