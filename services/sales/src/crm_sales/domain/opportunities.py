"""Opportunities: a deal moving through its pipeline's stages until it is won or lost."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_sales.domain.lines import Line, check_one_currency
from crm_sales.domain.pipelines import Pipeline, Stage
from crm_shared.errors import Invalid

OPEN, WON, LOST = "open", "won", "lost"
CHANGEABLE = ("name", "account_id", "owner", "expected_close_date", "probability", "next_step")


@dataclass(frozen=True)
class Opportunity:
    id: uuid.UUID
    name: str
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    stage: str
    contact_id: uuid.UUID | None
    amount: Decimal
    currency: str
    probability: int
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    status: str = OPEN
    account_id: uuid.UUID | None = None
    owner: str | None = None
    expected_close_date: date | None = None
    next_step: str | None = None
    products: tuple[Line, ...] = ()
    close_reason: str | None = None
    closed_at: datetime | None = None
    lead_id: uuid.UUID | None = None
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


@dataclass(frozen=True)
class StageChange:
    opportunity_id: uuid.UUID
    from_stage_id: uuid.UUID | None
    from_stage: str | None
    to_stage_id: uuid.UUID
    to_stage: str
    changed_by: str | None
    changed_at: datetime


def open_opportunity(
    fields: dict[str, Any], pipeline: Pipeline, lines: tuple[Line, ...], now: datetime
) -> tuple[Opportunity, StageChange]:
    """A new opportunity at its first (or given) stage, with that stage's probability unless given."""
    stage = pipeline.stage(fields.get("stage_id"))
    amount = fields["amount"]
    check_one_currency(lines, amount["currency"], "products")
    opportunity = Opportunity(
        id=uuid.uuid4(),
        name=fields["name"],
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        stage=stage.name,
        contact_id=fields["contact_id"],
        account_id=fields.get("account_id"),
        owner=fields.get("owner"),
        amount=amount["amount"],
        currency=amount["currency"],
        probability=fields.get("probability", stage.probability),
        expected_close_date=fields.get("expected_close_date"),
        next_step=fields.get("next_step"),
        products=lines,
        lead_id=fields.get("lead_id"),
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    return opportunity, _change(opportunity, None, stage, fields.get("owner"), now)


def change_opportunity(
    opportunity: Opportunity, changes: dict[str, Any], lines: tuple[Line, ...] | None, now: datetime
) -> Opportunity:
    """Only the given fields change; the amount's currency binds the products' prices."""
    if not changes:
        raise Invalid("Nothing to change.", fields={"_schema": ["No fields given."]})
    _ensure_open(opportunity, "_schema")
    updated = replace(opportunity, **{k: v for k, v in changes.items() if k in CHANGEABLE})
    if "amount" in changes:
        updated = replace(updated, amount=changes["amount"]["amount"], currency=changes["amount"]["currency"])
    if lines is not None:
        updated = replace(updated, products=lines)
    check_one_currency(updated.products, updated.currency, "products")
    return replace(updated, updated_at=now, version=opportunity.version + 1)


def move_to_stage(
    opportunity: Opportunity, pipeline: Pipeline, stage_id: uuid.UUID, changed_by: str | None, now: datetime
) -> tuple[Opportunity, StageChange]:
    """Any other open stage of the same pipeline, forwards or back; the stage's probability applies."""
    _ensure_open(opportunity, "stage_id")
    stage = pipeline.stage(stage_id)
    if stage.id == opportunity.stage_id:
        raise Invalid("Input is not valid.", fields={"stage_id": ["The opportunity is at this stage already."]})
    moved = replace(
        opportunity,
        stage_id=stage.id,
        stage=stage.name,
        probability=stage.probability,
        updated_at=now,
        last_activity_at=now,
        version=opportunity.version + 1,
    )
    return moved, _change(opportunity, opportunity, stage, changed_by, now)


def close(opportunity: Opportunity, status: str, reason: str | None, now: datetime) -> Opportunity:
    """Won (probability 100) or lost (0); a closed opportunity stays closed."""
    _ensure_open(opportunity, "status")
    return replace(
        opportunity,
        status=status,
        probability=100 if status == WON else 0,
        close_reason=reason,
        closed_at=now,
        updated_at=now,
        last_activity_at=now,
        version=opportunity.version + 1,
    )


def _ensure_open(opportunity: Opportunity, field: str) -> None:
    if not opportunity.is_open:
        raise Invalid("Input is not valid.", fields={field: [f"The opportunity is closed ({opportunity.status})."]})


def _change(
    opportunity: Opportunity, before: Opportunity | None, stage: Stage, changed_by: str | None, now: datetime
) -> StageChange:
    return StageChange(
        opportunity_id=opportunity.id,
        from_stage_id=before.stage_id if before else None,
        from_stage=before.stage if before else None,
        to_stage_id=stage.id,
        to_stage=stage.name,
        changed_by=changed_by,
        changed_at=now,
    )
