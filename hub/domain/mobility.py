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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from hub.domain.checks import CheckResult, fire
from hub.domain.claims import NormalisedClaim

DAY_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Travel:
    """A counted mobility claim of one person: when, and how far."""

    person: str  # the pseudonym, stripped
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    passenger_km: Decimal


def trip_of(person_pseudonym: str | None, normalised: NormalisedClaim) -> Travel | None:
    """The person's travel a normalised mobility claim states; None without a person."""
    person = (person_pseudonym or "").strip()
    if not person:
        return None
    return Travel(person, normalised.period_start, normalised.period_end, normalised.activity_value)


@lru_cache(maxsize=8192)
def days_of(travel: Travel) -> dict[date, Decimal]:
    """The claim's passenger-km per Shenzhen day, in proportion to its time in each.

    Kept for the last few thousand trips: ingestion asks it for each claim's
    window, check, count and stored rows. The dict returned is shared: read it only.
    """
    total_seconds = Decimal((travel.end - travel.start).total_seconds())
    if total_seconds <= 0:
        return {}
    day = travel.start.astimezone(DAY_ZONE).date()
    last = (travel.end - timedelta(microseconds=1)).astimezone(DAY_ZONE).date()
    if day == last:
        # Nearly every trip and daily aggregate lies within one day: all of it
        # is that day's, with no share arithmetic on the ingestion hot path.
        return {day: travel.passenger_km}
    shares: dict[date, Decimal] = {}
    while day <= last:
        lo, hi = day_bounds(day)
        seconds = Decimal((min(hi, travel.end) - max(lo, travel.start)).total_seconds())
        shares[day] = travel.passenger_km * seconds / total_seconds
        day += timedelta(days=1)
    return shares


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of a Shenzhen day, aware."""
    lo = datetime.combine(day, time(0), tzinfo=DAY_ZONE)
    return lo, datetime.combine(day + timedelta(days=1), time(0), tzinfo=DAY_ZONE)


def window_of(travels: Iterable[Travel]) -> tuple[datetime, datetime] | None:
    """From the start of the first day to the end of the last day the travels touch."""
    days = [d for travel in travels for d in days_of(travel)]
    if not days:
        return None
    return day_bounds(min(days))[0], day_bounds(max(days))[1]


class DailyMobility:
    """Passenger-km per (person, day) counted so far: the ledger's, then the batch's."""

    def __init__(self, counted: Iterable[Travel] = ()) -> None:
        self._totals: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
        for travel in counted:
            self.count(travel)

    def count(self, travel: Travel) -> None:
        for day, share in days_of(travel).items():
            self._totals[(travel.person, day)] += share

    def total(self, person: str, day: date) -> Decimal:
        return self._totals.get((person, day), Decimal(0))

    def check(self, travel: Travel, limit: Decimal) -> CheckResult | None:
        """PERSON_DAILY_MOBILITY_IMPLAUSIBLE for the first day ``travel`` takes
        above ``limit`` passenger-km, counting what is counted so far."""
        for day, share in sorted(days_of(travel).items()):
            before = self.total(travel.person, day)
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
