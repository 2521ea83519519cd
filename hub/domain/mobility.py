"""One person's travel in a day, across every mode and partner.

A daily aggregate of rides keeps its per-methodology person-day lock
(hub.domain.locks), which stops the same mode being claimed twice for one
day; it cannot see the same day claimed as 300 km by bus from one partner
and 300 km by metro from another. Here a person's passenger-km are summed
per calendar day over every mobility claim counted so far (ACCEPTED or HELD,
any methodology, any partner); a claim that takes a day above the plausible
total is HELD for the bureau's review.

Days are Shenzhen calendar days (Asia/Shanghai, the standard's own; every
partner so far keeps UTC+8 too). A claim spanning several days (or part of
one) is spread over them in proportion to its time in each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from hub.domain.checks import CheckResult, fire
from hub.domain.claims import NormalisedClaim

DAY_ZONE = ZoneInfo("Asia/Shanghai")
_MICROSECOND = timedelta(microseconds=1)
_NONE = Decimal(0)


class _Trip(NamedTuple):
    person: str  # the pseudonym, stripped
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    passenger_km: Decimal
    days: tuple[tuple[date, Decimal], ...]


class Travel(_Trip):
    """A counted mobility claim of one person: when, and how far.

    ``days``: its passenger-km per Shenzhen day, in day order (days_of),
    worked out once when the trip is made from the other four: the batch's
    daily check, its count and the claim's travel rows each read it. A named
    tuple built positionally, not a frozen dataclass: one is made per mobility
    claim, and the dataclass's frozen construction cost twice as much
    (docs/ingestion-profile.md, "Twelfth round").
    """

    __slots__ = ()

    def __new__(cls, person: str, start: datetime, end: datetime, passenger_km: Decimal) -> Travel:
        return _new_trip(cls, (person, start, end, passenger_km, _shares(start, end, passenger_km)))


_new_trip = tuple.__new__


def trip_of(person_pseudonym: str | None, normalised: NormalisedClaim) -> Travel | None:
    """The person's travel a normalised mobility claim states; None without a person."""
    person = (person_pseudonym or "").strip()
    if not person:
        return None
    return Travel(person, normalised.period_start, normalised.period_end, normalised.activity_value)


def days_of(travel: Travel) -> dict[date, Decimal]:
    """The claim's passenger-km per Shenzhen day, in proportion to its time in each."""
    return dict(travel.days)


def _shares(
    start: datetime, end: datetime, passenger_km: Decimal
) -> tuple[tuple[date, Decimal], ...]:
    if end <= start:
        return ()
    day, last = day_span(start, end)
    if day == last:
        # Nearly every trip and daily aggregate lies within one day: all of it
        # is that day's, with no share arithmetic on the ingestion hot path.
        return ((day, passenger_km),)
    total_seconds = Decimal((end - start).total_seconds())
    shares: list[tuple[date, Decimal]] = []
    while day <= last:
        lo, hi = day_bounds(day)
        seconds = Decimal((min(hi, end) - max(lo, start)).total_seconds())
        shares.append((day, passenger_km * seconds / total_seconds))
        day += timedelta(days=1)
    return tuple(shares)


def day_span(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last Shenzhen day that [start, end) touches (end > start)."""
    if start.tzinfo is UTC and end.tzinfo is UTC:
        return _utc_day_span(start, end)
    return _local_days(start, end)


def _local_days(start: datetime, end: datetime) -> tuple[date, date]:
    return start.astimezone(DAY_ZONE).date(), (end - _MICROSECOND).astimezone(DAY_ZONE).date()


# Kept by period, not by person: a delivery's daily aggregates share a few
# periods, so ingestion converts each to the Shenzhen zone once, not once per
# claim (docs/ingestion-profile.md, "Eighth round"). Only UTC instants (what
# normalisation and the ledger give): two equal datetimes of a zone with a
# repeated hour may be different instants (fold), never two in UTC.
_utc_day_span = lru_cache(maxsize=4096)(_local_days)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of a Shenzhen day, aware."""
    lo = datetime.combine(day, time(0), tzinfo=DAY_ZONE)
    return lo, datetime.combine(day + timedelta(days=1), time(0), tzinfo=DAY_ZONE)


def person_days(travels: Iterable[Travel]) -> set[tuple[str, date]]:
    """The (person, Shenzhen day) pairs the travels touch: the only daily
    totals their check reads, so the only counted travel it needs."""
    return {(travel.person, day) for travel in travels for day, _ in travel.days}


class DailyMobility:
    """Passenger-km per (person, day) counted so far: the ledger's, then the batch's."""

    def __init__(self, counted: Iterable[Travel] = ()) -> None:
        self._totals: dict[tuple[str, date], Decimal] = {}
        for travel in counted:
            self.count(travel)

    def count(self, travel: Travel) -> None:
        totals, person = self._totals, travel.person
        for day, share in travel.days:
            key = (person, day)
            totals[key] = totals.get(key, _NONE) + share

    def total(self, person: str, day: date) -> Decimal:
        return self._totals.get((person, day), _NONE)

    def check(self, travel: Travel, limit: Decimal) -> CheckResult | None:
        """PERSON_DAILY_MOBILITY_IMPLAUSIBLE for the first day ``travel`` takes
        above ``limit`` passenger-km, counting what is counted so far."""
        totals, person = self._totals, travel.person
        # The trip's days are in order: the first day above is the earliest.
        for day, share in travel.days:
            before = totals.get((person, day), _NONE)
            if before + share > limit:
                return fire(
                    "PERSON_DAILY_MOBILITY_IMPLAUSIBLE",
                    day=day.isoformat(),
                    total=_km(before + share),
                    counted=_km(before),
                    limit=_km(limit),
                    field="activity_quantity",
                )
        return None


def _km(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1")))
