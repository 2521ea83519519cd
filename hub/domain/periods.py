"""Monitoring periods: partner-local ISO dates to half-open UTC intervals.

A partner gives ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` (a space instead
of the ``T`` is accepted) in its own time zone. A date-only start means the
local midnight that begins the day; a date-only end is inclusive, so it
means the local midnight that begins the *next* day. The result is the
half-open interval [start, end) in aware UTC. The vintage is the local year
of the last instant inside the period, so a period ending on 31 December
(inclusive) belongs to that year and not to the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", re.ASCII)
_SECONDS_PER_DAY = Decimal(86400)


class PeriodError(ValueError):
    """Why a period cannot be read; the message is the reason for PERIOD_MALFORMED.

    ``field`` names the ClaimSubmission field at fault.
    """

    def __init__(self, reason: str, field: str = "period_start") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # aware, UTC, inclusive
    end: datetime  # aware, UTC, exclusive
    zone: tzinfo
    first_local_date: date  # local date of the start
    last_local_date: date  # local date of the last instant inside the period

    @classmethod
    def of(cls, start: datetime, end: datetime, zone: tzinfo) -> Period:
        return cls(
            start=start,
            end=end,
            zone=zone,
            first_local_date=start.astimezone(zone).date(),
            last_local_date=(end - timedelta(microseconds=1)).astimezone(zone).date(),
        )

    @property
    def vintage(self) -> int:
        return self.last_local_date.year

    @property
    def years(self) -> tuple[int, ...]:
        """The local calendar years the period touches, in order: from the
        year it starts in through its vintage (hub.domain.vintage_parts)."""
        return tuple(range(self.first_local_date.year, self.vintage + 1))

    @property
    def days(self) -> Decimal:
        """Length in days, fractional for partial days."""
        return Decimal((self.end - self.start).total_seconds()) / _SECONDS_PER_DAY

    @property
    def whole_days(self) -> int:
        """Calendar days touched, at least 1: the unit of per-day caps."""
        return (self.last_local_date - self.first_local_date).days + 1


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises PeriodError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PeriodError(f"unknown time zone {name!r}", "time_zone") from exc


def _parse_local(text: str, tz: tzinfo, *, is_end: bool) -> datetime:
    field = "period_end" if is_end else "period_start"
    value = text.strip()
    if _DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise PeriodError(f"{value!r} is not a calendar date", field) from exc
        if is_end:
            if day == date.max:
                raise PeriodError(f"{value!r} is past the last representable day", field)
            day = day + timedelta(days=1)
        local = datetime.combine(day, time(0), tzinfo=tz)
    elif _DATE_TIME.fullmatch(value):
        try:
            naive = datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError as exc:
            raise PeriodError(f"{value!r} is not a valid date-time", field) from exc
        local = naive.replace(tzinfo=tz)
    else:
        raise PeriodError(f"{value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", field)
    try:
        return local.astimezone(UTC)
    except OverflowError as exc:
        # Year 1 east of UTC (or 9999 west of it) has no UTC instant.
        raise PeriodError(f"{value!r} is outside the representable calendar", field) from exc


def parse_period(start: str, end: str, time_zone: str) -> Period:
    """Parse a partner period; raises PeriodError with the reason."""
    if not time_zone.strip():
        raise PeriodError("no time zone given", "time_zone")
    tz = zone(time_zone.strip())
    begin = _parse_local(start, tz, is_end=False)
    finish = _parse_local(end, tz, is_end=True)
    if finish <= begin:
        raise PeriodError("the end is not after the start", "period_end")
    return Period.of(begin, finish, tz)


def local_day_bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first 00:00, day after last 00:00) in ``tz``, as aware UTC."""
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return lo, hi
