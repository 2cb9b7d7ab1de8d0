"""Routing and priority rules as data: conditions over a ticket's facts, and what a match sets.

A condition is ``{"field", "operator", "value"}`` or a group ``{"all": [...]}`` / ``{"any": [...]}``.
Parsing names the exact place of a problem (``conditions.all.1.operator``), so an unparseable
rule is refused with the field named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FIELDS = ("channel", "subject", "description", "text", "tier", "contract_level", "priority", "category", "tags")
OPERATORS = ("equals", "not_equals", "in", "not_in", "contains", "contains_any", "is_empty")
MAX_DEPTH = 5
MAX_NODES = 100


class RuleError(ValueError):
    """A rule that cannot be parsed; ``path`` names the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Rule:
    id: Any
    name: str
    position: int
    active: bool
    conditions: Mapping[str, Any]
    actions: Mapping[str, Any]


def validate_condition(node: Any, path: str = "conditions", depth: int = 0) -> int:
    """Check one condition tree; answers the number of nodes it has."""
    if not isinstance(node, Mapping):
        raise RuleError(path, "Must be an object.")
    if depth > MAX_DEPTH:
        raise RuleError(path, f"Groups nest at most {MAX_DEPTH} deep.")
    groups = [key for key in ("all", "any") if key in node]
    if groups:
        return _validate_group(node, groups, path, depth)
    return _validate_leaf(node, path)


def _validate_group(node: Mapping[str, Any], groups: list[str], path: str, depth: int) -> int:
    if len(groups) > 1 or len(node) > 1:
        raise RuleError(path, "A group has exactly one key, all or any.")
    key = groups[0]
    members = node[key]
    if not isinstance(members, list) or not members:
        raise RuleError(f"{path}.{key}", "Must be a non-empty list of conditions.")
    count = 1 + sum(validate_condition(m, f"{path}.{key}.{i}", depth + 1) for i, m in enumerate(members))
    if count > MAX_NODES:
        raise RuleError(path, f"At most {MAX_NODES} conditions.")
    return count


def _validate_leaf(node: Mapping[str, Any], path: str) -> int:
    unknown = set(node) - {"field", "operator", "value"}
    if unknown:
        raise RuleError(f"{path}.{sorted(unknown)[0]}", "Unknown key.")
    if node.get("field") not in FIELDS:
        raise RuleError(f"{path}.field", f"Must be one of: {', '.join(FIELDS)}.")
    operator = node.get("operator")
    if operator not in OPERATORS:
        raise RuleError(f"{path}.operator", f"Must be one of: {', '.join(OPERATORS)}.")
    value = node.get("value")
    if operator == "is_empty":
        if "value" in node:
            raise RuleError(f"{path}.value", "is_empty takes no value.")
    elif operator in ("in", "not_in", "contains_any"):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise RuleError(f"{path}.value", "Must be a non-empty list of strings.")
    elif not isinstance(value, str) or not value:
        raise RuleError(f"{path}.value", "Must be a non-empty string.")
    return 1


def matches(node: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    if "all" in node:
        return all(matches(member, facts) for member in node["all"])
    if "any" in node:
        return any(matches(member, facts) for member in node["any"])
    return _LEAF[node["operator"]](facts.get(node["field"]), node.get("value"))


def _words(value: Any) -> set[str]:
    if isinstance(value, list | tuple):
        return {str(v).casefold() for v in value}
    return set(re.findall(r"\w+", str(value or "").casefold()))


def _contains(actual: Any, wanted: str) -> bool:
    if isinstance(actual, list | tuple):
        return wanted.casefold() in _words(actual)
    # A phrase matches on word boundaries, so "refund" does not match "refunded" by accident.
    pattern = r"(?<!\w)" + re.escape(wanted.casefold()) + r"(?!\w)"
    return re.search(pattern, str(actual or "").casefold()) is not None


def _equals(actual: Any, wanted: Any) -> bool:
    return actual is not None and str(actual).casefold() == str(wanted).casefold()


_LEAF: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _equals,
    "not_equals": lambda actual, wanted: not _equals(actual, wanted),
    "in": lambda actual, wanted: any(_equals(actual, w) for w in wanted),
    "not_in": lambda actual, wanted: not any(_equals(actual, w) for w in wanted),
    "contains": _contains,
    "contains_any": lambda actual, wanted: any(_contains(actual, w) for w in wanted),
    "is_empty": lambda actual, _wanted: actual in (None, "", [], ()),
}


def first_match(rules: list[Rule], facts: Mapping[str, Any]) -> Rule | None:
    """The active rule with the lowest position whose conditions hold; it alone applies."""
    for rule in sorted(rules, key=lambda r: (r.position, str(r.name))):
        if rule.active and matches(rule.conditions, facts):
            return rule
    return None


def ticket_facts(fields: Mapping[str, Any], tier: str | None, contract_level: str | None) -> dict[str, Any]:
    """What conditions may look at when a ticket arrives."""
    subject, description = fields.get("subject") or "", fields.get("description") or ""
    return {
        "channel": fields.get("channel"),
        "subject": subject,
        "description": description,
        "text": f"{subject}\n{description}",
        "tier": tier,
        "contract_level": contract_level,
        "priority": fields.get("priority"),
        "category": fields.get("category"),
        "tags": list(fields.get("tags") or ()),
    }
