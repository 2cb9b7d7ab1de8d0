"""Pipelines: ordered stages, each with the win probability an opportunity there gets by default."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.errors import Invalid


@dataclass(frozen=True)
class Stage:
    id: uuid.UUID
    name: str
    position: int
    probability: int


@dataclass(frozen=True)
class Pipeline:
    id: uuid.UUID
    name: str
    stages: tuple[Stage, ...]
    created_at: datetime
    version: int = 1

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    def stage(self, stage_id: uuid.UUID | None, field: str = "stage_id") -> Stage:
        """The stage of this pipeline, or the first one when none is named."""
        if stage_id is None:
            return self.first_stage
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise Invalid("Input is not valid.", fields={field: ["Not a stage of this pipeline."]})


def new_pipeline(name: str, stages: list[dict[str, Any]], now: datetime) -> Pipeline:
    """Stages keep the order they are given in."""
    ordered = tuple(
        Stage(id=uuid.uuid4(), name=s["name"], position=position, probability=s["probability"])
        for position, s in enumerate(stages, start=1)
    )
    return Pipeline(id=uuid.uuid4(), name=name, stages=ordered, created_at=now)
