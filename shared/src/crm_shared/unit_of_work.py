"""One database transaction per command: the change, its events (outbox) and its bookkeeping."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crm_shared.db import dialect_insert, insert_rows, utcnow
from crm_shared.envelope import Envelope
from crm_shared.errors import Conflict
from crm_shared.events import new_envelope
from crm_shared.plumbing import PlumbingTables


class SqlUnitOfWork:
    """Opens a transaction on enter; ``commit()`` writes pending events to the outbox first.

    Leaving the block without ``commit()`` rolls everything back, events included.
    """

    # The publishing service; names the schema of a type several services publish.
    producer: str | None = None

    def __init__(
        self,
        engine: Engine,
        tables: PlumbingTables,
        correlation_id: str | None = None,
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.correlation_id = correlation_id
        self._on_events_committed = on_events_committed
        self._pending: list[tuple[str, dict[str, Any], str, int]] = []
        self.conn: Connection

    def __enter__(self) -> Self:
        self.conn = self.engine.connect()
        self._transaction = self.conn.begin()
        self._pending = []
        self._open_repositories()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._transaction.is_active:
            self._transaction.rollback()
        self.conn.close()

    def _open_repositories(self) -> None:
        """Services attach their repositories to ``self.conn`` here."""

    def publish(self, event_type: str, data: dict[str, Any], aggregate_id: Any, version: int = 1) -> None:
        """Queue an event to be written to the outbox in this transaction."""
        self._pending.append((event_type, data, str(aggregate_id), version))

    def commit(self) -> list[Envelope]:
        sequences = self.reserve_sequences([aggregate_id for _, _, aggregate_id, _ in self._pending])
        envelopes = [
            self._envelope(event_type, data, aggregate_id, version, sequences[aggregate_id].popleft())
            for event_type, data, aggregate_id, version in self._pending
        ]
        self.write_envelopes(envelopes)
        self._transaction.commit()
        self._pending = []
        if envelopes and self._on_events_committed:
            self._on_events_committed()
        return envelopes

    def rollback(self) -> None:
        self._transaction.rollback()
        self._pending = []

    def claim_event(self, envelope: Envelope) -> bool:
        """Record that this event is being handled; False if it was handled before.

        One statement, so two deliveries of one event handled at once (two replicas, or two
        workers) do not both pass a check and then collide on the insert: the second waits
        for the first's transaction and claims nothing if it committed.
        """
        inbox = self.tables.inbox
        claim = (
            dialect_insert(self.conn)(inbox)
            .values(event_id=envelope.event_id, event_type=envelope.type, handled_at=utcnow())
            .on_conflict_do_nothing(index_elements=[inbox.c.event_id])
        )
        return bool(self.conn.execute(claim).rowcount == 1)

    def remembered_result(self, key: str, operation: str) -> dict[str, Any] | None:
        """The stored answer of an earlier call with this idempotency key, if any."""
        table = self.tables.idempotency
        row = self.conn.execute(sa.select(table.c.operation, table.c.result).where(table.c.key == key)).first()
        if row is None:
            return None
        if row.operation != operation:
            raise Conflict("idempotency key was used for another operation", field="idempotency_key")
        return dict(row.result)

    def remember_result(self, key: str, operation: str, result: dict[str, Any], subject_id: Any = None) -> None:
        """Store the answer under the key; ``subject_id`` lets an erasure find it."""
        self.conn.execute(
            self.tables.idempotency.insert().values(
                key=key,
                operation=operation,
                subject_id=None if subject_id is None else str(subject_id),
                result=result,
                created_at=utcnow(),
            )
        )

    def reserve_sequences(self, aggregate_ids: list[str]) -> dict[str, deque[int]]:
        """The next per-aggregate sequence numbers for these events, in one statement.

        One upsert for the whole transaction, not a round trip per event: a delivery round
        or an SLA scan writes hundreds. Concurrent writers to one aggregate queue on its row.
        """
        counts = Counter(aggregate_ids)
        if not counts:
            return {}
        table = self.tables.sequences
        # Sorted, so that two writers lock the rows they share in one order and never deadlock.
        rows = [{"aggregate_id": a, "last_sequence": counts[a]} for a in sorted(counts)]
        insert = dialect_insert(self.conn)(table).values(rows)
        upsert = insert.on_conflict_do_update(
            index_elements=[table.c.aggregate_id],
            set_={"last_sequence": table.c.last_sequence + insert.excluded.last_sequence},
        ).returning(table.c.aggregate_id, table.c.last_sequence)
        return {
            aggregate_id: deque(range(last - counts[aggregate_id] + 1, last + 1))
            for aggregate_id, last in self.conn.execute(upsert)
        }

    def start_sequences(self, aggregate_ids: list[str]) -> None:
        """For aggregates created in bulk: their first event is sequence 1."""
        insert_rows(self.conn, self.tables.sequences, [{"aggregate_id": a, "last_sequence": 1} for a in aggregate_ids])

    def write_envelopes(self, envelopes: list[Envelope]) -> None:
        """Envelopes into the outbox, in this transaction; bulk writers call it with envelopes
        they built (sequences already reserved), ``commit`` with its pending events."""
        insert_rows(self.conn, self.tables.outbox, [_outbox_row(e) for e in envelopes])

    def _envelope(
        self, event_type: str, data: dict[str, Any], aggregate_id: str, version: int, sequence: int
    ) -> Envelope:
        return new_envelope(
            event_type,
            data,
            aggregate_id=aggregate_id,
            sequence=sequence,
            correlation_id=self.correlation_id,
            version=version,
            producer=self.producer,
        )


def _outbox_row(envelope: Envelope) -> dict[str, Any]:
    return {
        "event_id": envelope.event_id,
        "event_type": envelope.type,
        "aggregate_id": envelope.aggregate_id,
        "sequence": envelope.sequence,
        "envelope": envelope.to_wire(),
        "created_at": envelope.occurred_at,
    }


UnitOfWork = TypeVar("UnitOfWork", bound=SqlUnitOfWork)
Answer = TypeVar("Answer")


class UnitsOfWork(Generic[UnitOfWork]):
    """A worker's way to the database: ``units()`` opens a transaction, ``units.read(query)`` one read.

    ``read`` runs ``query`` on a unit of work outside any transaction, on the read engine
    where there is one (``crm_shared.db.make_read_engine``). Each statement is its own
    transaction, which under PostgreSQL's READ COMMITTED is the snapshot it would have had
    in one; it suits the hot read paths. A read that needs a transaction (``SET LOCAL``,
    ``FOR UPDATE``) uses ``crm_shared.commands.read``. A pooled connection the server
    dropped fails the first try and renews the pool; the read is then tried once more.
    """

    def __init__(
        self, open_unit: Callable[[Engine], UnitOfWork], engine: Engine, read_engine: Engine | None = None
    ) -> None:
        self._open_unit = open_unit
        self._engine = engine
        self._read_engine = read_engine or engine

    def __call__(self) -> UnitOfWork:
        return self._open_unit(self._engine)

    def read(self, query: Callable[[UnitOfWork], Answer]) -> Answer:
        try:
            return self._read_once(query)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return self._read_once(query)

    def _read_once(self, query: Callable[[UnitOfWork], Answer]) -> Answer:
        with self._open_unit(self._read_engine) as unit:
            return query(unit)
