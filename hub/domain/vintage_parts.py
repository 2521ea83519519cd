"""Calendar vintages: a monitoring period spanning 31 December, in per-year parts.

A claim's vintage is the local year of its monitoring period. A period that
spans one or more local New Years (in the partner's time zone) is credited
in one part per local calendar year it touches, each issued under its own
vintage (its own issuance account and serial series, hub.domain.issuance).

Each part's share of the claim's credited tonnes is pro rata by the
period's time in that year: ``credited * seconds_in_year / seconds_total``
(with date-only periods, whole days: a 2024-12-16 to 2025-01-15 period has
16 days in 2024 and 15 in 2025). Rounding rule: every part but the last is
quantised DOWN (ROUND_FLOOR) to the ledger's precision, one micro-tonne
(six decimals, the precision of credited tCO2e), and the last part takes
the remainder, so the parts sum exactly to the claim's credited tonnes and
no early part is ever credited more than its exact share. A period inside
one year is one part equal to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from datetime import date as date_type
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction
from math import floor

from hub.domain.periods import Period

LEDGER_QUANTUM = Decimal("0.000001")  # credited tCO2e are stored to the micro-tonne
_SECONDS_PER_DAY = Decimal(86400)


@dataclass(frozen=True, slots=True)
class VintagePart:
    """One calendar year's part of a claim: its vintage, its time, its tonnes."""

    vintage: int
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, exclusive
    credited_tco2e: Decimal

    @property
    def days(self) -> Decimal:
        """The part's length in days (fractional for partial days)."""
        return _seconds(self.start, self.end) / _SECONDS_PER_DAY


def _seconds(start: datetime, end: datetime) -> Decimal:
    return Decimal(_micros(start, end)) / Decimal(1_000_000)


def _micros(start: datetime, end: datetime) -> int:
    """Exact microseconds from ``start`` to ``end``."""
    return (end - start) // timedelta(microseconds=1)


def _new_year(year: int, zone: tzinfo) -> datetime:
    """The first instant of ``year`` in ``zone``, as aware UTC."""
    return datetime.combine(date_type(year, 1, 1), time(0), tzinfo=zone).astimezone(UTC)


def part_years(start: datetime, end: datetime, zone: tzinfo) -> tuple[int, ...]:
    """The local calendar years the half-open period [start, end) touches
    (Period.years: the last is the claim's vintage)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("a period's bounds must be aware datetimes")
    if end <= start:
        raise ValueError(f"the period ends ({end}) before or when it starts ({start})")
    return Period.of(start, end, zone).years


def vintage_parts(
    start: datetime,
    end: datetime,
    zone: tzinfo,
    credited_tco2e: Decimal,
    quantum: Decimal = LEDGER_QUANTUM,
) -> tuple[VintagePart, ...]:
    """The claim's per-year parts, in year order; they sum exactly to
    ``credited_tco2e`` (every part but the last floored to ``quantum``, the
    last the remainder). Raises ValueError for a negative credit, a
    non-positive quantum or an empty period."""
    if credited_tco2e < 0:
        raise ValueError(f"credited tonnes cannot be negative: {credited_tco2e}")
    if quantum <= 0:
        raise ValueError(f"the quantum must be positive: {quantum}")
    years = part_years(start, end, zone)
    begin, finish = start.astimezone(UTC), end.astimezone(UTC)
    bounds = [begin, *(_new_year(year, zone) for year in years[1:]), finish]
    total = _micros(begin, finish)
    parts: list[VintagePart] = []
    # Shares as exact fractions, floored to whole quanta; sums and the
    # remainder of finite decimals are exact with unbounded precision.
    with localcontext() as ctx:
        ctx.prec = MAX_PREC
        given = Decimal(0)
        for index, year in enumerate(years):
            lo, hi = bounds[index], bounds[index + 1]
            if index == len(years) - 1:
                share = credited_tco2e - given
            else:
                exact = Fraction(credited_tco2e) * Fraction(_micros(lo, hi), total)
                share = floor(exact / Fraction(quantum)) * quantum
                given += share
            parts.append(VintagePart(year, lo, hi, share))
    return tuple(parts)
