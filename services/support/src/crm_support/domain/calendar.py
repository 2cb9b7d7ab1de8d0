"""Business-hours arithmetic: working periods per weekday in a time zone, minus holidays.

Working periods are wall-clock times in the calendar's zone; each is turned into an
aware UTC interval before any arithmetic, so a DST change shortens or lengthens a
day exactly as the clocks on the wall do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm_shared.errors import Invalid

MINUTES_PER_DAY = 24 * 60
# Far enough for any real target; a calendar with no working time at all must not loop forever.
HORIZON_DAYS = 3 * 366

Period = tuple[int, int]  # minutes after local midnight: [start, end)


@dataclass(frozen=True)
class BusinessCalendar:
    zone: str
    periods_by_weekday: Mapping[int, tuple[Period, ...]]  # 0 = Monday
    holidays: frozenset[date] = frozenset()

    def working_periods(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """UTC intervals of working time in order, starting with the day before ``since``."""
        tz = ZoneInfo(self.zone)
        day = since.astimezone(tz).date() - timedelta(days=1)
        for offset in range(HORIZON_DAYS):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for start, end in self.periods_by_weekday.get(current.weekday(), ()):
                yield _at(current, start, tz), _at(current, end, tz)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``."""
        remaining = duration
        if remaining <= timedelta(0):
            return start
        for opens, closes in self.working_periods(start):
            begin = max(opens, start)
            if closes <= begin:
                continue
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise Invalid("The calendar has no working time.", fields={"calendar_id": ["No working time ahead."]})

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in ``[start, end)``; zero when ``end`` is not after ``start``."""
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self.working_periods(start):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap
        return total


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    return local.replace(tzinfo=tz).astimezone(UTC)


ALWAYS_OPEN = BusinessCalendar("UTC", dict.fromkeys(range(7), ((0, MINUTES_PER_DAY),)))


def parse_clock(value: str) -> int:
    """``"09:30"`` as minutes after midnight; ``"24:00"`` is the end of the day."""
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{value!r} is not HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > MINUTES_PER_DAY:
        raise ValueError(f"{value!r} is not a time of day")
    return total


def periods_from_hours(hours: Mapping[int, list[tuple[str, str]]]) -> dict[int, tuple[Period, ...]]:
    """Validated, sorted, non-overlapping periods per weekday; ValueError names the problem."""
    result: dict[int, tuple[Period, ...]] = {}
    for weekday, spans in hours.items():
        periods = sorted((parse_clock(start), parse_clock(end)) for start, end in spans)
        for (start, end), following in zip(periods, [*periods[1:], None], strict=True):
            if end <= start:
                raise ValueError("a period must end after it starts")
            if following is not None and following[0] < end:
                raise ValueError("periods overlap")
        result[weekday] = tuple(periods)
    if not any(result.values()):
        raise ValueError("at least one working period is needed")
    return result
