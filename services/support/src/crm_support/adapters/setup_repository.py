"""What configures support: business calendars, SLA policies, contracts, rules and value tiers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_shared.db import dialect_insert
from crm_shared.errors import StaleVersion
from crm_shared.pagination import after_cursor, page_after
from crm_support.adapters.tables import customer_tiers, rules, sla_policies, support_contracts
from crm_support.domain.agreements import SupportContract
from crm_support.domain.rules import Rule


class SetupRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, table: sa.Table, values: dict[str, Any]) -> None:
        self.conn.execute(table.insert().values(**values))

    def get(self, table: sa.Table, record_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(table).where(table.c.id == record_id)).first()
        return dict(row._mapping) if row else None

    def page(
        self, table: sa.Table, cursor: str | None, limit: int, **equal: Any
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Oldest first on (created_at, id)."""
        query = sa.select(table).where(*[table.c[k] == v for k, v in equal.items() if v is not None])
        if cursor:
            query = query.where(after_cursor(cursor, table.c.created_at, table.c.id))
        rows = self.conn.execute(query.order_by(table.c.created_at, table.c.id).limit(limit + 1)).all()
        return page_after([dict(r._mapping) for r in rows], limit, lambda r: (r["created_at"], r["id"]))

    def policy_for(self, level: str, priority: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            sa.select(sla_policies).where(sla_policies.c.contract_level == level, sla_policies.c.priority == priority)
        ).first()
        return dict(row._mapping) if row else None

    def contracts_of(self, account_id: uuid.UUID) -> list[SupportContract]:
        rows = self.conn.execute(sa.select(support_contracts).where(support_contracts.c.account_id == account_id))
        return [
            SupportContract(
                id=r.id, account_id=r.account_id, level=r.level, valid_from=r.valid_from,
                valid_until=r.valid_until, channels=tuple(r.channels or ()),
            )
            for r in rows
        ]  # fmt: skip

    def active_rules(self) -> list[Rule]:
        rows = self.conn.execute(sa.select(rules).where(rules.c.active.is_(True)))
        return [rule_from(r._mapping) for r in rows]

    def save_rule(self, values: dict[str, Any], previous_version: int) -> None:
        changes = {k: v for k, v in values.items() if k != "id"}
        result = self.conn.execute(
            rules.update().where(rules.c.id == values["id"], rules.c.version == previous_version).values(**changes)
        )
        if result.rowcount != 1:
            raise StaleVersion("The rule was changed by someone else; reload and retry.", field="version")

    def tier_of(self, contact_id: uuid.UUID | None) -> str | None:
        if contact_id is None:
            return None
        return self.conn.execute(
            sa.select(customer_tiers.c.tier).where(customer_tiers.c.contact_id == contact_id)
        ).scalar_one_or_none()

    def store_tier(self, contact_id: uuid.UUID, tier: str | None, sequence: int, at: datetime) -> None:
        """Keep the newest tier per contact; an older sequence arriving late changes nothing."""
        insert = dialect_insert(self.conn)(customer_tiers)
        statement = insert.values(contact_id=contact_id, tier=tier, sequence=sequence, updated_at=at)
        self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[customer_tiers.c.contact_id],
                set_={"tier": statement.excluded.tier, "sequence": statement.excluded.sequence, "updated_at": at},
                where=customer_tiers.c.sequence < statement.excluded.sequence,
            )
        )


def rule_from(values: Any) -> Rule:
    return Rule(
        id=values["id"], name=values["name"], position=values["position"], active=values["active"],
        conditions=values["conditions"], actions=values["actions"],
    )  # fmt: skip


def holidays_from(values: list[str]) -> frozenset[date]:
    return frozenset(date.fromisoformat(v) for v in values)
