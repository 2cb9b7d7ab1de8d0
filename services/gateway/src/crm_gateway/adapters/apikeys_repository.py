"""API keys stored as hashes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_gateway.adapters.tables import api_keys
from crm_gateway.domain.apikeys import Principal


class ApiKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, name: str, role: str, key_hash: str, now: datetime) -> uuid.UUID:
        key_id = uuid.uuid4()
        self.conn.execute(api_keys.insert().values(id=key_id, name=name, role=role, key_hash=key_hash, created_at=now))
        return key_id

    def active_by_hash(self, key_hash: str) -> tuple[Principal, str] | None:
        row = self.conn.execute(
            sa.select(api_keys).where(api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        return Principal(str(row.id), row.name, row.role), row.key_hash

    def revoke(self, key_id: uuid.UUID, now: datetime) -> bool:
        result = self.conn.execute(
            api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        return bool(result.rowcount)

    def all(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            sa.select(
                api_keys.c.id, api_keys.c.name, api_keys.c.role, api_keys.c.created_at, api_keys.c.revoked_at
            ).order_by(api_keys.c.created_at)
        )
        return [dict(row._mapping) for row in rows]
