"""The audit log of writes through the API, oldest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_gateway.adapters.tables import audit_log
from crm_shared.pagination import after_cursor, page_after


class AuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, entry: dict[str, Any]) -> None:
        self.conn.execute(audit_log.insert().values(**entry))

    def page(
        self, limit: int, cursor: str | None, key_id: str | None, since: datetime | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        query = sa.select(audit_log)
        if key_id:
            query = query.where(audit_log.c.key_id == key_id)
        if since:
            query = query.where(audit_log.c.at >= since)
        if cursor:
            query = query.where(after_cursor(cursor, audit_log.c.at, audit_log.c.id))
        rows = self.conn.execute(query.order_by(audit_log.c.at, audit_log.c.id).limit(limit + 1))
        return page_after([dict(row._mapping) for row in rows], limit, lambda e: (e["at"], e["id"]))
