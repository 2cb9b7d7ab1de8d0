"""Which SLA a ticket gets, keeping its clock right through pauses, and firing its milestones."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from crm_support.adapters.tables import calendars
from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain import sla
from crm_support.domain.agreements import DEFAULT_LEVEL, entitled_level
from crm_support.domain.calendar import ALWAYS_OPEN, BusinessCalendar, periods_from_hours
from crm_support.domain.tickets import PAUSED_STATUS, Ticket
from crm_support.service_layer.settings import Settings

WEEKDAY_NUMBERS = {name: number for number, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def calendar_from(row: dict[str, Any]) -> BusinessCalendar:
    hours = {WEEKDAY_NUMBERS[day]: [(p["start"], p["end"]) for p in spans] for day, spans in row["hours"].items()}
    holidays = frozenset(datetime.fromisoformat(d).date() for d in row["holidays"])
    return BusinessCalendar(row["timezone"], periods_from_hours(hours), holidays)


def calendar_of(uow: Uow, calendar_id: uuid.UUID | None) -> BusinessCalendar:
    row = uow.setup.get(calendars, calendar_id) if calendar_id else None
    return calendar_from(row) if row else ALWAYS_OPEN


def contract_level(uow: Uow, account_id: uuid.UUID | None, channel: str, now: datetime) -> str:
    contracts = uow.setup.contracts_of(account_id) if account_id else []
    return entitled_level(contracts, channel, now.date())


def policy_for(uow: Uow, level: str, priority: str) -> dict[str, Any] | None:
    """The level's policy for the priority; a level without one falls back to the default's."""
    found = uow.setup.policy_for(level, priority)
    if found is None and level != DEFAULT_LEVEL:
        found = uow.setup.policy_for(DEFAULT_LEVEL, priority)
    return found


def clock_for(uow: Uow, level: str, priority: str, start: datetime, settings: Settings) -> sla.SlaClock:
    policy = policy_for(uow, level, priority)
    if policy is None:
        return sla.NO_SLA
    targets = sla.SlaTargets(
        first_response=timedelta(minutes=policy["first_response_minutes"]),
        resolution=timedelta(minutes=policy["resolution_minutes"]),
    )
    return sla.start_clock(start, targets, calendar_of(uow, policy["calendar_id"]), settings.warning_fraction)


def reprioritised(uow: Uow, ticket: Ticket, settings: Settings) -> Ticket:
    """A new priority re-bases the due times on the ticket's creation; fired milestones stay fired."""
    fresh = clock_for(uow, ticket.sla_level or DEFAULT_LEVEL, ticket.priority, ticket.created_at, settings)
    return replace(ticket, sla=replace(fresh, paused_at=ticket.sla.paused_at, fired=ticket.sla.fired))


def calendar_of_ticket(uow: Uow, ticket: Ticket) -> BusinessCalendar:
    policy = policy_for(uow, ticket.sla_level or DEFAULT_LEVEL, ticket.priority)
    return calendar_of(uow, policy["calendar_id"]) if policy else ALWAYS_OPEN


def after_status_move(uow: Uow, before: Ticket, after: Ticket, now: datetime) -> Ticket:
    """The clock is paused exactly while the ticket waits on the customer (``pending``)."""
    if after.status == PAUSED_STATUS:
        return replace(after, sla=sla.pause(after.sla, now))
    if after.sla.paused_at is not None:
        return replace(after, sla=sla.resume(after.sla, now, calendar_of_ticket(uow, after)))
    return after


def next_check_at(ticket: Ticket) -> datetime | None:
    return sla.next_check_at(ticket.sla, ticket.first_responded, ticket.solved)


def milestone_data(ticket: Ticket, milestone: sla.Milestone) -> dict[str, Any]:
    return {
        "ticket_id": str(ticket.id),
        "contact_id": str(ticket.contact_id) if ticket.contact_id else None,
        "target": milestone.target,
        "due_at": milestone.due_at.isoformat(),
        "priority": ticket.priority,
        "level": ticket.sla_level,
        "assignee": ticket.assignee,
        "team": ticket.team,
    }


EVENT_OF_KIND = {sla.WARNING: "ticket.sla_warning", sla.BREACH: "ticket.sla_breached"}
