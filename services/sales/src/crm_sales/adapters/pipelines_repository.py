"""Pipelines and their ordered stages."""

from __future__ import annotations

import uuid
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_sales.adapters.tables import pipelines, stages
from crm_sales.domain.pipelines import Pipeline, Stage


class PipelineRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, pipeline: Pipeline) -> None:
        self.conn.execute(
            pipelines.insert().values(
                id=pipeline.id, name=pipeline.name, created_at=pipeline.created_at, version=pipeline.version
            )
        )
        self.conn.execute(
            stages.insert(),
            [
                {"id": s.id, "pipeline_id": pipeline.id, "name": s.name, "position": s.position,
                 "probability": s.probability}
                for s in pipeline.stages
            ],
        )  # fmt: skip

    def get(self, pipeline_id: uuid.UUID) -> Pipeline | None:
        found = self._load(pipelines.c.id == pipeline_id)
        return found[0] if found else None

    def all(self) -> list[Pipeline]:
        return self._load(sa.true())

    def _load(self, condition: sa.ColumnElement[bool]) -> list[Pipeline]:
        heads = {row.id: row for row in self.conn.execute(sa.select(pipelines).where(condition))}
        if not heads:
            return []
        rows = self.conn.execute(
            sa.select(stages).where(stages.c.pipeline_id.in_(heads)).order_by(stages.c.pipeline_id, stages.c.position)
        ).all()
        result = []
        for pipeline_id, group in groupby(rows, key=lambda r: r.pipeline_id):
            head = heads[pipeline_id]
            ordered = tuple(Stage(s.id, s.name, s.position, s.probability) for s in group)
            result.append(Pipeline(head.id, head.name, ordered, head.created_at, head.version))
        return sorted(result, key=lambda p: (p.created_at, str(p.id)))
