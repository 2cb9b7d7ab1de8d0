"""Handlers for tickets: create (with routing rules and SLA), read, search, change, move, assign."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_shared.errors import Invalid
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain.rules import first_match, ticket_facts
from crm_support.domain.tickets import Ticket, check_move, moved
from crm_support.service_layer import present
from crm_support.service_layer.changes import announce, diff, readable_ticket, refuse_erased, store, ticket_for_change
from crm_support.service_layer.conversation import attachment_rows
from crm_support.service_layer.settings import Settings
from crm_support.service_layer.sla import after_status_move, clock_for, contract_level, next_check_at, reprioritised
from crm_support.service_layer.summary import publish_summary

EDITABLE = ("subject", "description", "category", "priority", "tags")


def create_ticket(uow: Uow, fields: dict[str, Any], now: datetime, settings: Settings) -> tuple[Any, Any]:
    """Routing rules set category, priority and team; the contract and priority choose the SLA."""
    contact_id = fields["contact_id"]
    refuse_erased(uow, contact_id)
    level = contract_level(uow, fields.get("account_id"), fields["channel"], now)
    facts = ticket_facts(fields, uow.setup.tier_of(contact_id), level)
    rule = first_match(uow.setup.active_rules(), facts)
    routed = {**fields, **(dict(rule.actions) if rule else {})}
    priority = routed.get("priority") or "normal"
    requester = fields.get("requester") or {}
    ticket = Ticket(
        id=uuid.uuid4(), contact_id=contact_id, account_id=fields.get("account_id"),
        subject=fields["subject"], description=fields.get("description"), channel=fields["channel"],
        category=routed.get("category"), priority=priority, team=routed.get("team"),
        assignee=fields.get("assignee"), tags=tuple(dict.fromkeys(fields.get("tags") or ())),
        requester_name=requester.get("name"), requester_email=requester.get("email"),
        created_at=now, updated_at=now, sla_level=level, sla=clock_for(uow, level, priority, now, settings),
        fired_rule={"id": str(rule.id), "name": rule.name} if rule else None,
    )  # fmt: skip
    uow.tickets.add(ticket, next_check_at(ticket))
    uow.conversation.add_attachments(attachment_rows(ticket.id, None, fields.get("attachments") or [], now))
    uow.conversation.record(ticket.id, "created", fields.get("actor"), _created_changes(ticket), now)
    body = announce(uow, "ticket.created", ticket, now)
    publish_summary(uow, contact_id, now)
    return body, contact_id


def _created_changes(ticket: Ticket) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": ticket.status, "priority": ticket.priority, "sla_level": ticket.sla_level}
    if ticket.fired_rule:
        changes["fired_rule"] = ticket.fired_rule
    return changes


def get_ticket(uow: Uow, ticket_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return present.ticket(readable_ticket(uow, ticket_id), now)


def search_tickets(uow: Uow, filters: dict[str, Any], now: datetime) -> dict[str, Any]:
    found, next_cursor = uow.tickets.search(filters, filters["limit"])
    return present.page(found, next_cursor, lambda t: present.ticket(t, now))


def update_ticket(
    uow: Uow, ticket_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None, now: datetime,
    settings: Settings,
) -> tuple[Any, Any]:  # fmt: skip
    """Change subject, description, category, priority or tags; a new priority re-bases the SLA."""
    actor = changes.pop("actor", None)
    if not changes:
        raise Invalid("Nothing to change.", fields={"_schema": ["No fields given."]})
    before = ticket_for_change(uow, ticket_id, expected_version)
    edits: dict[str, Any] = {k: tuple(dict.fromkeys(v)) if k == "tags" else v for k, v in changes.items()}
    after = replace(before, **edits)
    if after.priority != before.priority:
        after = reprioritised(uow, after, settings)
    changed = diff(before, after, EDITABLE)
    if not changed:
        return present.ticket(before, now), before.contact_id
    after = store(uow, before, after, now, "updated", actor, changed)
    return announce(uow, "ticket.updated", after, now), after.contact_id


def move_status(
    uow: Uow, ticket_id: uuid.UUID, move: dict[str, Any], expected_version: int | None, now: datetime,
    settings: Settings,
) -> tuple[Any, Any]:  # fmt: skip
    """Only the moves the status machine allows; pending pauses the SLA clock."""
    before = ticket_for_change(uow, ticket_id, expected_version)
    after = transition(uow, before, move["status"], now, settings)
    after = store(uow, before, after, now, "status_changed", move.get("actor"), diff(before, after, ("status",)))
    return announce_move(uow, before, after, now), after.contact_id


def transition(uow: Uow, ticket: Ticket, to: str, now: datetime, settings: Settings) -> Ticket:
    check_move(ticket, to, now, settings.reopen_window)
    return after_status_move(uow, ticket, moved(ticket, to, now), now)


def announce_move(uow: Uow, before: Ticket, after: Ticket, now: datetime) -> dict[str, Any]:
    body = announce(uow, "ticket.status_changed", after, now, from_status=before.status, to_status=after.status)
    if after.status == "solved":
        uow.publish("ticket.solved", body, aggregate_id=after.id)
    return body


def assign_ticket(
    uow: Uow, ticket_id: uuid.UUID, assignment: dict[str, Any], expected_version: int | None, now: datetime
) -> tuple[Any, Any]:
    """Set the assignee, the team or both; ``None`` unassigns."""
    before = ticket_for_change(uow, ticket_id, expected_version)
    after = replace(before, **{k: assignment[k] for k in ("assignee", "team") if k in assignment})
    changed = diff(before, after, ("assignee", "team"))
    if not changed:
        return present.ticket(before, now), before.contact_id
    after = store(uow, before, after, now, "assigned", assignment.get("actor"), changed)
    body = announce(uow, "ticket.assigned", after, now, assignee=after.assignee, team=after.team)
    return body, after.contact_id
