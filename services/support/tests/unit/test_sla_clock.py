"""SLA clocks: due and warning times, pauses while waiting on the customer, milestones once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_support.domain import sla
from crm_support.domain.calendar import ALWAYS_OPEN, BusinessCalendar, periods_from_hours

OFFICE = BusinessCalendar("UTC", periods_from_hours({day: [("09:00", "17:00")] for day in range(5)}))
TARGETS = sla.SlaTargets(first_response=timedelta(hours=4), resolution=timedelta(hours=16))
MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def clock() -> sla.SlaClock:
    return sla.start_clock(MONDAY_9, TARGETS, OFFICE, warning_fraction=0.75)


def test_due_and_warning_times_are_counted_in_business_hours():
    c = clock()
    assert c.first_response_due_at == MONDAY_9 + timedelta(hours=4)
    assert c.first_response_warn_at == MONDAY_9 + timedelta(hours=3)
    assert c.resolution_due_at == datetime(2026, 11, 24, 17, tzinfo=UTC)
    assert c.resolution_warn_at == datetime(2026, 11, 24, 13, tzinfo=UTC)


def test_a_pause_moves_the_due_times_by_the_business_time_it_lasted():
    paused = sla.pause(clock(), MONDAY_9 + timedelta(hours=1))
    # Waiting on the customer from 10:00 Monday to 10:00 Tuesday: one business day (8 h) pause.
    resumed = sla.resume(paused, MONDAY_9 + timedelta(days=1, hours=1), OFFICE)
    assert resumed.paused_at is None
    assert resumed.first_response_due_at == datetime(2026, 11, 24, 13, tzinfo=UTC)
    assert resumed.resolution_due_at == datetime(2026, 11, 25, 17, tzinfo=UTC)


def test_a_pause_over_a_weekend_costs_only_its_business_time():
    friday_16 = datetime(2026, 11, 27, 16, tzinfo=UTC)
    c = sla.start_clock(friday_16, TARGETS, OFFICE, 0.75)
    assert c.first_response_due_at == datetime(2026, 11, 30, 12, tzinfo=UTC)
    resumed = sla.resume(sla.pause(c, friday_16), datetime(2026, 11, 30, 9, tzinfo=UTC), OFFICE)
    # One business hour (Friday 16-17) passed while paused: every time moves one business hour on.
    assert resumed.first_response_due_at == datetime(2026, 11, 30, 13, tzinfo=UTC)


def test_times_already_passed_at_the_pause_stay_where_they_were():
    c = clock()
    paused = sla.pause(c, MONDAY_9 + timedelta(hours=5))
    resumed = sla.resume(paused, MONDAY_9 + timedelta(hours=6), OFFICE)
    assert resumed.first_response_due_at == c.first_response_due_at
    # One business hour later than 17:00 Tuesday is 10:00 Wednesday.
    assert resumed.resolution_due_at == datetime(2026, 11, 25, 10, tzinfo=UTC)


def test_nothing_fires_while_paused():
    paused = sla.pause(clock(), MONDAY_9)
    assert sla.due_milestones(paused, MONDAY_9 + timedelta(days=10), False, False) == []
    assert sla.next_check_at(paused, False, False) is None


def test_the_warning_fires_first_then_the_breach_and_each_once():
    c = clock()
    at_warning = MONDAY_9 + timedelta(hours=3)
    due = sla.due_milestones(c, at_warning, False, False)
    assert [m.key for m in due] == ["first_response.warning"]
    c = sla.fire(c, due)
    assert sla.due_milestones(c, at_warning, False, False) == []
    assert sla.next_check_at(c, False, False) == MONDAY_9 + timedelta(hours=4)
    c = sla.fire(c, sla.due_milestones(c, MONDAY_9 + timedelta(hours=4), False, False))
    assert c.fired == {"first_response.warning", "first_response.breach"}


def test_a_breach_found_late_fires_without_its_warning():
    due = sla.due_milestones(clock(), MONDAY_9 + timedelta(days=1), False, False)
    assert [m.key for m in due] == ["first_response.breach"]
    assert "first_response.warning" in sla.fire(clock(), due).fired


def test_a_first_response_stops_its_target_but_not_resolution():
    c = clock()
    assert sla.next_check_at(c, True, False) == c.resolution_warn_at
    assert sla.due_milestones(c, MONDAY_9 + timedelta(hours=5), True, False) == []


def test_a_solved_ticket_has_nothing_to_fire():
    assert sla.next_check_at(clock(), False, True) is None


def test_sla_state_follows_the_milestones_fired():
    c = clock()
    assert sla.sla_state(c, False, False) == "on_track"
    warned = sla.fire(c, sla.due_milestones(c, MONDAY_9 + timedelta(hours=3), False, False))
    assert sla.sla_state(warned, False, False) == "warning"
    assert sla.sla_state(warned, True, False) == "on_track"  # the warned target was met
    assert sla.sla_state(sla.pause(c, MONDAY_9), False, False) == "paused"
    assert sla.sla_state(c, True, True) == "met"
    breached = sla.fire(c, sla.due_milestones(c, MONDAY_9 + timedelta(days=3), False, False))
    assert sla.sla_state(breached, True, True) == "breached"


def test_without_a_policy_there_is_no_clock():
    assert sla.next_check_at(sla.NO_SLA, False, False) is None
    assert sla.sla_state(sla.NO_SLA, False, False) == "on_track"


def test_round_the_clock_targets_are_plain_time():
    c = sla.start_clock(MONDAY_9, TARGETS, ALWAYS_OPEN, 0.5)
    assert c.resolution_due_at == MONDAY_9 + timedelta(hours=16)
    assert c.resolution_warn_at == MONDAY_9 + timedelta(hours=8)
