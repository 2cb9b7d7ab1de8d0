"""A minimal subscriber built only from shared plumbing, for proving delivery guarantees.

It records each ``contact.created`` it applies and counts the applications, so a test
can tell "applied once" from "applied twice". With ``CRASH_AFTER_COMMIT`` set to a file
path that exists, it kills itself (SIGKILL) after committing and before nameko acks.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import sqlalchemy as sa
from nameko.dependency_providers import Config

import crm_shared.runtime  # noqa: F401
from crm_shared.db import new_metadata
from crm_shared.plumbing import plumbing_tables
from crm_shared.runtime.database import Database
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.unit_of_work import SqlUnitOfWork

metadata = new_metadata()
plumbing = plumbing_tables(metadata)
applied = sa.Table(
    "applied",
    metadata,
    sa.Column("contact_id", sa.String(64), primary_key=True),
    sa.Column("times", sa.Integer(), nullable=False),
)


def apply_once(uow: SqlUnitOfWork, envelope: Any, contact_id: str) -> bool:
    if not uow.claim_event(envelope):
        return False
    updated = uow.conn.execute(
        applied.update().where(applied.c.contact_id == contact_id).values(times=applied.c.times + 1)
    )
    if updated.rowcount == 0:
        uow.conn.execute(applied.insert().values(contact_id=contact_id, times=1))
    uow.commit()
    return True


class LedgerService:
    name = "ledger"
    config = Config()
    db = Database(plumbing, SqlUnitOfWork)

    @reliable_event_handler("contacts", "contact.created")
    def on_contact_created(self, envelope: Any, data: dict[str, Any]) -> None:
        with self.db() as uow:
            apply_once(uow, envelope, str(data["id"]))
        crash_flag = self.config.get("CRASH_AFTER_COMMIT")
        if crash_flag and os.path.exists(crash_flag):
            os.kill(os.getpid(), signal.SIGKILL)

    @reliable_event_handler("contacts", "contact.updated")
    def on_contact_updated(self, envelope: Any, data: dict[str, Any]) -> None:
        if data.get("first_name") == "poison":
            raise RuntimeError("this handler can never succeed for this event")
        with self.db() as uow:
            apply_once(uow, envelope, f"updated:{data['id']}:{data['version']}")
