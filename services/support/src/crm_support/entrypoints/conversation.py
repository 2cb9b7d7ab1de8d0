"""RPCs on a ticket's conversation: replies, internal notes, attachments, history."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.commands import read
from crm_shared.contracts import support as s
from crm_shared.contracts.common import PageQuerySchema
from crm_shared.contracts.loading import load
from crm_shared.db import utcnow
from crm_shared.runtime.rpc import rpc
from crm_support.entrypoints.base import SupportBase
from crm_support.service_layer import conversation

PAGE = PageQuerySchema()
REPLY = s.MessageCreateSchema()
NOTE = s.NoteCreateSchema()
ATTACHMENT = s.AttachmentCreateSchema()


class ConversationEntrypoints(SupportBase):
    @rpc
    def add_reply(self, ticket_id: str, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """A public reply by an agent or the customer."""
        work = partial(
            conversation.add_reply, ticket_id=self._ticket_id(ticket_id), fields=load(REPLY, fields),
            now=utcnow(), settings=self.settings,
        )  # fmt: skip
        return self._write("add_reply", work, idempotency_key)

    @rpc
    def add_note(self, ticket_id: str, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """An internal note, seen by agents only."""
        work = partial(
            conversation.add_note, ticket_id=self._ticket_id(ticket_id), fields=load(NOTE, fields), now=utcnow()
        )
        return self._write("add_note", work, idempotency_key)

    @rpc
    def add_attachment(self, ticket_id: str, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Attach a file's metadata to the ticket."""
        work = partial(
            conversation.add_attachment, ticket_id=self._ticket_id(ticket_id), fields=load(ATTACHMENT, fields),
            now=utcnow(),
        )  # fmt: skip
        return self._write("add_attachment", work, idempotency_key)

    @rpc
    def list_messages(self, ticket_id: str, page: dict[str, Any] | None = None, include_notes: bool = True) -> Any:
        """Replies (and notes, for agents), oldest first."""
        work = partial(
            conversation.list_messages, ticket_id=self._ticket_id(ticket_id), page=load(PAGE, page or {}),
            include_notes=bool(include_notes),
        )  # fmt: skip
        return read(self.db, work)

    @rpc
    def list_attachments(self, ticket_id: str) -> Any:
        """Every attachment of the ticket."""
        return read(self.db, partial(conversation.list_attachments, ticket_id=self._ticket_id(ticket_id)))

    @rpc
    def ticket_history(self, ticket_id: str, page: dict[str, Any] | None = None) -> Any:
        """Who changed what and when, oldest first."""
        work = partial(conversation.ticket_history, ticket_id=self._ticket_id(ticket_id), page=load(PAGE, page or {}))
        return read(self.db, work)
