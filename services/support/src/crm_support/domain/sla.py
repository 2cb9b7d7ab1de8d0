"""Service-level clocks: due times from business-hours targets, pauses, and the milestones due.

A clock has two targets (first response, resolution), each with a warning time (a fraction
of the target, in business time) and a due time. Each milestone fires once; ``fired`` holds
the keys of those that have, e.g. ``"resolution.breach"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from crm_support.domain.calendar import BusinessCalendar

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)
WARNING = "warning"
BREACH = "breach"


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class SlaClock:
    first_response_due_at: datetime | None = None
    first_response_warn_at: datetime | None = None
    resolution_due_at: datetime | None = None
    resolution_warn_at: datetime | None = None
    paused_at: datetime | None = None
    fired: frozenset[str] = field(default_factory=frozenset)

    def due_at(self, target: str) -> datetime | None:
        return getattr(self, f"{target}_due_at")  # type: ignore[no-any-return]

    def warn_at(self, target: str) -> datetime | None:
        return getattr(self, f"{target}_warn_at")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Milestone:
    target: str
    kind: str
    at: datetime
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.target}.{self.kind}"


NO_SLA = SlaClock()


def start_clock(start: datetime, targets: SlaTargets, calendar: BusinessCalendar, warning_fraction: float) -> SlaClock:
    """Due and warning times counted in business time from ``start``."""
    times: dict[str, Any] = {}
    for target in TARGETS:
        budget: timedelta = getattr(targets, target)
        times[f"{target}_due_at"] = calendar.add(start, budget)
        times[f"{target}_warn_at"] = calendar.add(start, budget * warning_fraction)
    return SlaClock(**times)


def pause(clock: SlaClock, now: datetime) -> SlaClock:
    return clock if clock.paused_at is not None else replace(clock, paused_at=now)


def resume(clock: SlaClock, now: datetime, calendar: BusinessCalendar) -> SlaClock:
    """Push every time not yet reached by the business time the pause lasted from it."""
    paused_at = clock.paused_at
    if paused_at is None:
        return clock
    shifted: dict[str, Any] = {}
    for target in TARGETS:
        for name in (f"{target}_due_at", f"{target}_warn_at"):
            moment: datetime | None = getattr(clock, name)
            if moment is not None and moment > paused_at:
                moment = calendar.add(now, calendar.between(paused_at, moment))
            shifted[name] = moment
    return replace(clock, paused_at=None, **shifted)


def active_targets(first_responded: bool, solved: bool) -> tuple[str, ...]:
    if solved:
        return ()
    return (RESOLUTION,) if first_responded else TARGETS


def pending_milestones(clock: SlaClock, first_responded: bool, solved: bool) -> list[Milestone]:
    """Milestones not yet fired, soonest first; none while paused."""
    if clock.paused_at is not None:
        return []
    found = []
    for target in active_targets(first_responded, solved):
        due = clock.due_at(target)
        warn = clock.warn_at(target)
        if due is None or warn is None:
            continue
        for kind, at in ((WARNING, warn), (BREACH, due)):
            milestone = Milestone(target, kind, at, due)
            if milestone.key not in clock.fired:
                found.append(milestone)
    return sorted(found, key=lambda m: m.at)


def due_milestones(clock: SlaClock, now: datetime, first_responded: bool, solved: bool) -> list[Milestone]:
    """What fires now. A breach reached with its warning unfired fires the breach alone."""
    due = [m for m in pending_milestones(clock, first_responded, solved) if m.at <= now]
    breached = {m.target for m in due if m.kind == BREACH}
    return [m for m in due if m.kind == BREACH or m.target not in breached]


def fire(clock: SlaClock, milestones: list[Milestone]) -> SlaClock:
    """Mark milestones fired; a fired breach also retires its target's warning."""
    keys = {m.key for m in milestones}
    keys |= {f"{m.target}.{WARNING}" for m in milestones if m.kind == BREACH}
    return replace(clock, fired=clock.fired | keys)


def next_check_at(clock: SlaClock, first_responded: bool, solved: bool) -> datetime | None:
    """When the scan must next look at this ticket; None when nothing can fire."""
    pending = pending_milestones(clock, first_responded, solved)
    return pending[0].at if pending else None


def sla_state(clock: SlaClock, first_responded: bool, solved: bool) -> str:
    """on_track, warning, breached, paused or met, as the customer 360 shows it.

    Derived from the milestones fired rather than from the clock on the wall, so the state
    changes when the scan announces it and the RPC and the published summary always agree.
    """
    if any(key.endswith(f".{BREACH}") for key in clock.fired):
        return "breached"
    if solved:
        return "met"
    if clock.paused_at is not None:
        return "paused"
    if any(f"{t}.{WARNING}" in clock.fired for t in active_targets(first_responded, solved)):
        return "warning"
    return "on_track"
