"""Business-hours arithmetic across nights, weekends, holidays, time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_shared.errors import Invalid
from crm_support.domain.calendar import ALWAYS_OPEN, BusinessCalendar, periods_from_hours

NINE_TO_FIVE = {day: [("09:00", "17:00")] for day in range(5)}


def calendar(zone: str = "UTC", holidays: frozenset[date] = frozenset(), hours=None) -> BusinessCalendar:
    return BusinessCalendar(zone, periods_from_hours(hours or NINE_TO_FIVE), holidays)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def test_time_within_one_working_day_is_plain_addition():
    # Monday 2026-11-23, 10:00
    assert calendar().add(utc(2026, 11, 23, 10), timedelta(hours=4)) == utc(2026, 11, 23, 14)


def test_the_night_is_skipped():
    assert calendar().add(utc(2026, 11, 23, 16), timedelta(hours=2)) == utc(2026, 11, 24, 10)


def test_a_start_before_opening_counts_from_opening():
    assert calendar().add(utc(2026, 11, 23, 3), timedelta(hours=1)) == utc(2026, 11, 23, 10)


def test_the_weekend_is_skipped():
    friday_afternoon = utc(2026, 11, 27, 16)
    assert calendar().add(friday_afternoon, timedelta(hours=3)) == utc(2026, 11, 30, 11)


def test_a_start_on_saturday_counts_from_monday_morning():
    assert calendar().add(utc(2026, 11, 28, 12), timedelta(minutes=30)) == utc(2026, 11, 30, 9, 30)


def test_holidays_are_skipped():
    christmas = frozenset({date(2026, 12, 24), date(2026, 12, 25)})
    wednesday_evening = utc(2026, 12, 23, 16)
    assert calendar(holidays=christmas).add(wednesday_evening, timedelta(hours=2)) == utc(2026, 12, 28, 10)


def test_a_multi_day_target_spans_whole_working_days():
    assert calendar().add(utc(2026, 11, 23, 9), timedelta(hours=24)) == utc(2026, 11, 25, 17)


def test_working_hours_are_in_the_calendars_time_zone():
    berlin = calendar("Europe/Berlin")
    # 07:30 UTC is 08:30 in Berlin in winter: work starts at 09:00 Berlin = 08:00 UTC.
    assert berlin.add(utc(2026, 11, 23, 7, 30), timedelta(hours=1)) == utc(2026, 11, 23, 9)


def test_a_zone_west_of_utc_moves_the_day_boundary():
    new_york = calendar("America/New_York")
    # Monday 23:00 UTC is 18:00 in New York: closed; Tuesday 09:00 New York is 14:00 UTC.
    assert new_york.add(utc(2026, 11, 23, 23), timedelta(hours=1)) == utc(2026, 11, 24, 15)


def test_spring_forward_keeps_wall_clock_hours():
    berlin = calendar("Europe/Berlin", hours={day: [("09:00", "17:00")] for day in range(7)})
    # 2026-03-29 is the Sunday clocks go forward in Europe: 09:00 local is 07:00 UTC from then on.
    saturday_close = local("Europe/Berlin", 2026, 3, 28, 16)
    assert berlin.add(saturday_close, timedelta(hours=2)) == local("Europe/Berlin", 2026, 3, 29, 10)
    assert local("Europe/Berlin", 2026, 3, 29, 10).astimezone(UTC) == utc(2026, 3, 29, 8)


def test_fall_back_keeps_wall_clock_hours():
    new_york = calendar("America/New_York", hours={day: [("09:00", "17:00")] for day in range(7)})
    # 2026-11-01: US clocks go back; opening moves from 13:00 UTC to 14:00 UTC.
    saturday = local("America/New_York", 2026, 10, 31, 16)
    assert new_york.add(saturday, timedelta(hours=2)) == utc(2026, 11, 1, 15)


def test_a_period_across_the_dst_change_counts_real_elapsed_time():
    # A night shift 00:00-04:00 on the night Europe springs forward lasts three real hours.
    night = calendar("Europe/Berlin", hours={6: [("00:00", "04:00")]})
    start = local("Europe/Berlin", 2026, 3, 29, 0)
    assert night.between(start, start + timedelta(hours=10)) == timedelta(hours=3)


def test_between_counts_only_working_time():
    assert calendar().between(utc(2026, 11, 27, 16), utc(2026, 11, 30, 11)) == timedelta(hours=3)


def test_between_and_add_agree():
    cal = calendar("Asia/Tokyo", frozenset({date(2026, 11, 24)}))
    start = utc(2026, 11, 20, 5, 17)
    for minutes in (1, 59, 60, 479, 480, 481, 2000, 10_000):
        end = cal.add(start, timedelta(minutes=minutes))
        assert cal.between(start, end) == timedelta(minutes=minutes)


def test_split_days_with_a_lunch_break():
    lunch = calendar(hours={0: [("09:00", "12:00"), ("13:00", "17:00")]})
    assert lunch.add(utc(2026, 11, 23, 11), timedelta(hours=2)) == utc(2026, 11, 23, 14)


def test_always_open_is_plain_time():
    start = utc(2026, 11, 28, 23, 30)
    assert ALWAYS_OPEN.add(start, timedelta(hours=5)) == start + timedelta(hours=5)


def test_zero_duration_is_the_start_itself():
    assert calendar().add(utc(2026, 11, 28, 12), timedelta(0)) == utc(2026, 11, 28, 12)


def test_a_calendar_with_no_working_time_ahead_is_an_error_not_a_hang():
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(4000))
    with pytest.raises(Invalid):
        calendar(holidays=every_day).add(utc(2026, 11, 23, 10), timedelta(hours=1))


@pytest.mark.parametrize(
    "hours",
    [{0: [("17:00", "09:00")]}, {0: [("09:00", "13:00"), ("12:00", "17:00")]}, {0: []}, {0: [("25:00", "26:00")]}],
)
def test_bad_working_hours_are_refused(hours):
    with pytest.raises(ValueError):
        periods_from_hours(hours)
