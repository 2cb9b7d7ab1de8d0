"""The database dependency: one engine and one outbox relay per service container."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from nameko.extensions import DependencyProvider
from sqlalchemy.engine import Engine

from crm_shared import config
from crm_shared.db import make_engine, make_read_engine
from crm_shared.plumbing import PlumbingTables
from crm_shared.publisher import ConfirmedPublisher
from crm_shared.relay import OutboxRelay
from crm_shared.runtime.correlation import bind_correlation_id
from crm_shared.unit_of_work import SqlUnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)


class Database(DependencyProvider):  # type: ignore[misc]
    """Gives each worker a factory of units of work; their events are relayed from the outbox.

    Units of work commit inside the entrypoint, before nameko acknowledges the
    message, so an acknowledged message never loses its change.
    """

    def __init__(self, tables: PlumbingTables, unit_of_work: type[SqlUnitOfWork]) -> None:
        self.tables = tables
        self.unit_of_work = unit_of_work
        self.engine: Engine | None = None
        self.read_engine: Engine | None = None
        self.relay: OutboxRelay | None = None

    def setup(self) -> None:
        cfg = self.container.config
        url = cfg.get("DATABASE_URL") or config.database_url(self.container.service_name)
        self.engine = make_engine(url)
        self.read_engine = make_read_engine(url)
        publisher = ConfirmedPublisher(cfg.get("AMQP_URI") or config.amqp_uri())
        keep_days = float(cfg.get("OUTBOX_KEEP_PUBLISHED_DAYS") or 7)
        self.relay = OutboxRelay(self.engine, self.tables.outbox, publisher, keep_published=timedelta(days=keep_days))

    def start(self) -> None:
        assert self.relay is not None
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            self.relay.publisher.close()
        for engine in (self.engine, self.read_engine):
            if engine is not None:
                engine.dispose()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx: Any) -> UnitsOfWork[SqlUnitOfWork]:
        assert self.engine is not None and self.relay is not None
        correlation_id, wake = bind_correlation_id(worker_ctx), self.relay.wake

        def open_unit(engine: Engine) -> SqlUnitOfWork:
            return self.unit_of_work(engine, self.tables, correlation_id, wake)

        return UnitsOfWork(open_unit, self.engine, self.read_engine)
