"""What an orchestrator asks before sending work: is the broker there, is the database there and current.

Each check answers a small dict with ``ok``; none raises, and none shows an
exception's text (it may hold a URL with a password), only the error's class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import amqp
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from crm_shared.db import utcnow
from crm_shared.migrations import alembic_config
from crm_shared.publisher import connection_params

PROBE_TIMEOUT = 3.0


def failure(error: BaseException) -> dict[str, Any]:
    return {"ok": False, "error": type(error).__name__}


class ExpectedSchema:
    """The schema revisions this version of the code was written for.

    A database at a revision this code does not know was migrated by the next
    version; migrations stay backward compatible for one version, so the old code
    keeps serving during a rolling upgrade. A database at an older known revision
    (or none) is behind: the migration step has not run.
    """

    def __init__(self, migrations: Path) -> None:
        self.script = ScriptDirectory.from_config(alembic_config(migrations, "sqlite://"))
        self.heads = set(self.script.get_heads())

    def judge(self, current: set[str]) -> str:
        if current == self.heads:
            return "current"
        if not current or any(self._known(revision) for revision in current):
            return "behind"
        return "ahead"

    def _known(self, revision: str) -> bool:
        try:
            return self.script.get_revision(revision) is not None
        except Exception:  # noqa: BLE001 - alembic raises for an id it has never seen
            return False


def check_broker(amqp_uri: str) -> dict[str, Any]:
    try:
        connection = amqp.Connection(
            connect_timeout=PROBE_TIMEOUT, read_timeout=PROBE_TIMEOUT, **connection_params(amqp_uri)
        )
        connection.connect()
        connection.close()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return failure(error)
    return {"ok": True}


def check_database(engine: Engine, expected: ExpectedSchema | None) -> dict[str, Any]:
    """Reachable, and (when the service has migrations) at its head revision or a newer one."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as error:  # noqa: BLE001
        return failure(error)
    if expected is None:
        return {"ok": True}
    schema = expected.judge(current)
    return {"ok": schema != "behind", "schema": schema, "revision": sorted(current), "head": sorted(expected.heads)}


def outbox_backlog(engine: Engine, outbox: sa.Table) -> dict[str, Any]:
    """Unpublished events and the age of the oldest; the partial index keeps this cheap."""
    pending = outbox.c.published_at.is_(None)
    try:
        with engine.connect() as conn:
            count, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).select_from(outbox).where(pending)
            ).one()
    except Exception as error:  # noqa: BLE001
        return failure(error)
    # min() keeps the column's type, so ``oldest`` is already an aware datetime.
    lag = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return {"ok": True, "pending": int(count), "lag_seconds": round(max(lag, 0.0), 3)}


def queue_depth(amqp_uri: str, queue: str) -> dict[str, Any]:
    """Messages ready in a queue, asked passively: a missing queue counts as empty."""
    try:
        connection = amqp.Connection(
            connect_timeout=PROBE_TIMEOUT, read_timeout=PROBE_TIMEOUT, **connection_params(amqp_uri)
        )
        connection.connect()
        try:
            _, messages, _ = connection.channel().queue_declare(queue, passive=True)
        except amqp.exceptions.NotFound:
            messages = 0
        finally:
            connection.collect()
    except Exception as error:  # noqa: BLE001
        return failure(error)
    return {"ok": True, "messages": int(messages)}


@dataclass(frozen=True)
class Readiness:
    """Ready means the broker and the database answer and the schema is current.

    Backlogs are reported, not judged: taking a replica out of service because the
    outbox is long would only make it longer.
    """

    checks: dict[str, dict[str, Any]]

    @property
    def ready(self) -> bool:
        return all(self.checks[name]["ok"] for name in ("broker", "database") if name in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}
