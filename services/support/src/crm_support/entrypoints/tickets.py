"""RPCs on tickets: create, read, search, change, move, assign, merge, rate."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.commands import read
from crm_shared.contracts import support as s
from crm_shared.contracts.loading import load, parse_version
from crm_shared.db import utcnow
from crm_shared.runtime.rpc import rpc
from crm_support.entrypoints.base import SupportBase
from crm_support.service_layer import satisfaction, tickets

CREATE = s.TicketCreateSchema()
UPDATE = s.TicketUpdateSchema()
MOVE = s.StatusMoveSchema()
ASSIGN = s.AssignmentSchema()
SEARCH = s.TicketSearchSchema()
CSAT = s.CsatSchema()
MERGE = s.TicketMergeSchema()


class TicketEntrypoints(SupportBase):
    @rpc
    def create_ticket(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a ticket; rules route it, its contract picks the SLA; publishes ``ticket.created``."""
        work = partial(tickets.create_ticket, fields=load(CREATE, fields), now=utcnow(), settings=self.settings)
        return self._write("create_ticket", work, idempotency_key)

    @rpc
    def get_ticket(self, ticket_id: str) -> Any:
        """The ticket with its SLA due times and state."""
        return read(self.db, partial(tickets.get_ticket, ticket_id=self._ticket_id(ticket_id), now=utcnow()))

    @rpc
    def search_tickets(self, query: dict[str, Any]) -> Any:
        """Tickets by customer, status, priority, assignee, team, tag or subject words; newest first."""
        return read(self.db, partial(tickets.search_tickets, filters=load(SEARCH, query), now=utcnow()))

    @rpc
    def update_ticket(
        self, ticket_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change subject, description, category, priority or tags; publishes ``ticket.updated``."""
        work = partial(
            tickets.update_ticket, ticket_id=self._ticket_id(ticket_id), changes=load(UPDATE, changes),
            expected_version=parse_version(expected_version), now=utcnow(), settings=self.settings,
        )  # fmt: skip
        return self._write("update_ticket", work, idempotency_key)

    @rpc
    def move_ticket(
        self, ticket_id: str, move: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Move the status along an allowed transition; publishes ``ticket.status_changed``."""
        work = partial(
            tickets.move_status, ticket_id=self._ticket_id(ticket_id), move=load(MOVE, move),
            expected_version=parse_version(expected_version), now=utcnow(), settings=self.settings,
        )  # fmt: skip
        return self._write("move_ticket", work, idempotency_key)

    @rpc
    def assign_ticket(
        self, ticket_id: str, assignment: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Set assignee and/or team; publishes ``ticket.assigned``."""
        work = partial(
            tickets.assign_ticket, ticket_id=self._ticket_id(ticket_id), assignment=load(ASSIGN, assignment),
            expected_version=parse_version(expected_version), now=utcnow(),
        )  # fmt: skip
        return self._write("assign_ticket", work, idempotency_key)

    @rpc
    def merge_tickets(self, ticket_id: str, merge: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Merge a duplicate into this ticket; the duplicate is closed."""
        work = partial(
            satisfaction.merge_tickets, ticket_id=self._ticket_id(ticket_id), merge=load(MERGE, merge), now=utcnow()
        )
        return self._write("merge_tickets", work, idempotency_key)

    @rpc
    def record_csat(self, ticket_id: str, rating: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """The customer's rating (1-5) of a solved ticket, once; publishes ``ticket.csat_recorded``."""
        work = partial(
            satisfaction.record_csat, ticket_id=self._ticket_id(ticket_id), rating=load(CSAT, rating), now=utcnow()
        )
        return self._write("record_csat", work, idempotency_key)
