"""Handlers for a ticket's conversation: public replies, internal notes, attachments, history."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_shared.contracts.support import AttachmentSchema, HistoryEntrySchema, MessageSchema
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain.tickets import Ticket
from crm_support.service_layer import present
from crm_support.service_layer.changes import announce, readable_ticket, store, ticket_for_change
from crm_support.service_layer.settings import Settings
from crm_support.service_layer.sla import after_status_move


def attachment_rows(
    ticket_id: uuid.UUID, message_id: uuid.UUID | None, files: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    return [
        {"id": uuid.uuid4(), "ticket_id": ticket_id, "message_id": message_id, "created_at": now, **f} for f in files
    ]


def add_reply(
    uow: Uow, ticket_id: uuid.UUID, fields: dict[str, Any], now: datetime, settings: Settings
) -> tuple[Any, Any]:
    """A public reply. An agent's first one meets the first-response target and opens a new ticket;
    the customer's answer to a pending ticket reopens it and restarts the clock."""
    before = ticket_for_change(uow, ticket_id)
    message = _add_message(uow, before, "reply", fields, now)
    after = _after_reply(uow, before, fields["author_type"], now)
    changes: dict[str, Any] = {"reply": str(message["id"])}
    if after.status != before.status:
        changes["status"] = [before.status, after.status]
    after = store(uow, before, after, now, "replied", fields.get("author"), changes)
    if after.status != before.status:
        announce(uow, "ticket.status_changed", after, now, from_status=before.status, to_status=after.status)
    announce(uow, "ticket.updated", after, now)
    return present.record(MessageSchema, message), after.contact_id


def _after_reply(uow: Uow, ticket: Ticket, author_type: str, now: datetime) -> Ticket:
    if author_type == "agent":
        after = ticket if ticket.first_responded else replace(ticket, first_responded_at=now)
        return replace(after, status="open") if after.status == "new" else after
    if ticket.status == "pending":
        return after_status_move(uow, ticket, replace(ticket, status="open"), now)
    return ticket


def add_note(uow: Uow, ticket_id: uuid.UUID, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """An internal note: seen by agents only, no ticket event."""
    ticket = readable_ticket(uow, ticket_id)
    message = _add_message(uow, ticket, "note", {**fields, "author_type": "agent"}, now)
    uow.conversation.record(ticket.id, "noted", fields.get("author"), {"note": str(message["id"])}, now)
    return present.record(MessageSchema, message), ticket.contact_id


def _add_message(uow: Uow, ticket: Ticket, kind: str, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    message = {
        "id": uuid.uuid4(), "ticket_id": ticket.id, "kind": kind, "author_type": fields["author_type"],
        "author": fields.get("author"), "body": fields["body"], "created_at": now,
    }  # fmt: skip
    uow.conversation.add_message(message)
    files = attachment_rows(ticket.id, message["id"], fields.get("attachments") or [], now)
    uow.conversation.add_attachments(files)
    return {**message, "attachments": files}


def add_attachment(uow: Uow, ticket_id: uuid.UUID, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    """Metadata of a file stored elsewhere (``storage_key``), attached to the ticket itself."""
    ticket = readable_ticket(uow, ticket_id)
    (row,) = attachment_rows(ticket.id, None, [fields], now)
    uow.conversation.add_attachments([row])
    uow.conversation.record(
        ticket.id, "attached", None, {"attachment": str(row["id"]), "filename": row["filename"]}, now
    )
    return present.record(AttachmentSchema, row), ticket.contact_id


def list_messages(uow: Uow, ticket_id: uuid.UUID, page: dict[str, Any], include_notes: bool) -> dict[str, Any]:
    readable_ticket(uow, ticket_id)
    kinds = ("reply", "note") if include_notes else ("reply",)
    found, next_cursor = uow.conversation.messages(ticket_id, kinds, page.get("cursor"), page["limit"])
    return present.page(found, next_cursor, lambda m: present.record(MessageSchema, m))


def list_attachments(uow: Uow, ticket_id: uuid.UUID) -> list[dict[str, Any]]:
    readable_ticket(uow, ticket_id)
    return [present.record(AttachmentSchema, a) for a in uow.conversation.ticket_attachments(ticket_id)]


def ticket_history(uow: Uow, ticket_id: uuid.UUID, page: dict[str, Any]) -> dict[str, Any]:
    readable_ticket(uow, ticket_id)
    found, next_cursor = uow.conversation.history(ticket_id, page.get("cursor"), page["limit"])
    return present.page(found, next_cursor, lambda h: present.record(HistoryEntrySchema, h))
