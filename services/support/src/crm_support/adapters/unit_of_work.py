"""The support service's unit of work: the shared transaction plus this service's repositories."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable

from crm_shared.db import dialect_insert
from crm_shared.envelope import Envelope
from crm_shared.unit_of_work import SqlUnitOfWork
from crm_support.adapters.conversation_repository import ConversationRepository
from crm_support.adapters.privacy_repository import PrivacyRepository
from crm_support.adapters.setup_repository import SetupRepository
from crm_support.adapters.tickets_repository import TicketRepository


class SupportUnitOfWork(SqlUnitOfWork):
    producer = "support"
    tickets: TicketRepository
    conversation: ConversationRepository
    setup: SetupRepository
    privacy: PrivacyRepository

    def _open_repositories(self) -> None:
        self.tickets = TicketRepository(self.conn)
        self.conversation = ConversationRepository(self.conn)
        self.setup = SetupRepository(self.conn)
        self.privacy = PrivacyRepository(self.conn)
        self._reserved: dict[str, deque[int]] = {}

    def commit(self) -> list[Envelope]:
        """Reserve the sequences of every pending event in one statement before writing them.

        A scan that fires hundreds of milestones would otherwise make one round trip per event.
        """
        self._reserved = self._reserve([aggregate_id for _, _, aggregate_id, _ in self._pending])
        return super().commit()

    def next_sequences(self, aggregate_ids: Iterable[str]) -> dict[str, int]:
        wanted = list(aggregate_ids)
        if all(self._reserved.get(a) for a in wanted):
            return {a: self._reserved[a].popleft() for a in wanted}
        return super().next_sequences(wanted)

    def _reserve(self, aggregate_ids: list[str]) -> dict[str, deque[int]]:
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
        reserved = {}
        for aggregate_id, last in self.conn.execute(upsert):
            reserved[aggregate_id] = deque(range(last - counts[aggregate_id] + 1, last + 1))
        return reserved
