"""The service's settings from its nameko config, validated once, with defaults that work for ``make up``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_sales.domain.leads import AssignmentRules, ScoringRules
from crm_shared.contracts.common import ISO_4217_CURRENCIES


@dataclass(frozen=True)
class SalesSettings:
    stale_after_days: int = 14
    reporting_currency: str = "EUR"
    commit_min_probability: int = 80
    best_case_min_probability: int = 50
    contacts_deadline: float = 5.0
    scoring: ScoringRules = field(default_factory=ScoringRules)
    assignment: AssignmentRules = field(default_factory=AssignmentRules)


def _given(config: Mapping[str, Any], key: str, default: Any) -> Any:
    value = config.get(key)
    return default if value in (None, "") else value


def settings_from(config: Mapping[str, Any]) -> SalesSettings:
    """Refuses a configuration that cannot work, naming the key."""
    currency = str(config.get("REPORTING_CURRENCY") or "EUR")
    if currency not in ISO_4217_CURRENCIES:
        raise ValueError(f"REPORTING_CURRENCY {currency!r} is not an ISO 4217 code")
    scoring = config.get("LEAD_SCORING") or {}
    assignment = config.get("LEAD_ASSIGNMENT") or {}
    result = SalesSettings(
        stale_after_days=int(_given(config, "STALE_AFTER_DAYS", 14)),
        reporting_currency=currency,
        commit_min_probability=int(_given(config, "COMMIT_MIN_PROBABILITY", 80)),
        best_case_min_probability=int(_given(config, "BEST_CASE_MIN_PROBABILITY", 50)),
        contacts_deadline=float(_given(config, "CONTACTS_RPC_DEADLINE_SECONDS", 5)),
        scoring=ScoringRules(
            channels={str(k): int(v) for k, v in (scoring.get("channels") or {}).items()},
            attributes=tuple(scoring.get("attributes") or ()),
            activity={str(k): int(v) for k, v in (scoring.get("activity") or {}).items()},
        ),
        assignment=AssignmentRules(
            rules=tuple(assignment.get("rules") or ()),
            round_robin=tuple(str(owner) for owner in assignment.get("round_robin") or ()),
        ),
    )
    if result.stale_after_days < 1:
        raise ValueError("STALE_AFTER_DAYS must be at least 1")
    for rule in (*result.scoring.attributes, *result.assignment.rules):
        if "field" not in rule:
            raise ValueError(f"a LEAD_SCORING / LEAD_ASSIGNMENT rule has no field: {rule!r}")
    return result
