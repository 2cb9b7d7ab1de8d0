"""Accounts (companies) stored with SQLAlchemy Core."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_contacts.adapters.tables import accounts
from crm_contacts.domain.normalise import search_key
from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, like_prefix, page_after

FIELDS = ("name", "domain", "industry", "size", "address", "parent_account_id")


class AccountRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, account_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row._mapping) if row else None

    def existing_ids(self, account_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if not account_ids:
            return set()
        rows = self.conn.execute(sa.select(accounts.c.id).where(accounts.c.id.in_(account_ids)))
        return {row.id for row in rows}

    def add(self, account: dict[str, Any]) -> None:
        self.conn.execute(accounts.insert().values(**account, name_key=search_key(account["name"])))

    def save(self, account: dict[str, Any], previous_version: int) -> None:
        values = {k: v for k, v in account.items() if k != "id"}
        result = self.conn.execute(
            accounts.update()
            .where(accounts.c.id == account["id"], accounts.c.version == previous_version)
            .values(**values, name_key=search_key(account["name"]))
        )
        if result.rowcount != 1:
            raise StaleVersion("The account was changed by someone else; reload and retry.")

    def search(self, q: str | None, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        query = sa.select(accounts)
        if q:
            query = query.where(accounts.c.name_key.like(like_prefix(search_key(q) or ""), escape="\\"))
        if cursor:
            query = query.where(after_cursor(cursor, accounts.c.name_key, accounts.c.id))
        rows = self.conn.execute(query.order_by(accounts.c.name_key, accounts.c.id).limit(limit + 1)).all()
        page, next_cursor = page_after(list(rows), limit, lambda row: (row.name_key, row.id))
        return [_account(row._mapping) for row in page], next_cursor


def _account(mapping: Any) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != "name_key"}
