"""Carbon points (碳积分): the exchange rule from credited reductions to points,
and the points ledger's decisions (award, reversal, redemption, expiry).

The Shenzhen Measures (深环规〔2022〕5号) have platforms convert their
users' reductions into 碳积分 by published exchange rules; points are not
currency, cannot be transferred or traded, last at most 10 years and are
deregistered when used. No numeric ratio of points to CERs was found
published: the rates in standards/points.yaml are provisional.

Points never become units: the tonnes behind them are the pool's (the
reporting platform's), issued to its operator. A person's points are kept
per partner (the partner's platforms award and redeem them).

Redemptions consume awards first in, first out, so an award's expiry takes
only its unredeemed part, and a reversal (the claim later rejected or
voided) takes back what is left of exactly that award: a balance never
goes below zero.

Pure functions over plain values: storage keeps the entries and makes the
decisions hold across hub processes.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = [
    "MAX_VALIDITY_MONTHS",
    "Award",
    "Credit",
    "EntryKind",
    "PointsEntry",
    "PointsRule",
    "PointsRules",
    "RedemptionOutcome",
    "RedemptionVerdict",
    "add_months",
    "awards_for",
    "balance_of",
    "days_covered",
    "due_expiries",
    "earliest_open_expiry",
    "redeem",
    "remaining_by_award",
    "reversal_of",
]

# 深环规〔2022〕5号: points last at most ten years.
MAX_VALIDITY_MONTHS = 120


class EntryKind(StrEnum):
    AWARD = "AWARD"
    REVERSAL = "REVERSAL"
    REDEMPTION = "REDEMPTION"
    EXPIRY = "EXPIRY"


@dataclass(frozen=True, slots=True)
class PointsRule:
    """The exchange rule of one partner and Shenzhen methodology."""

    partner: str
    methodology: str
    points_per_tco2e: Decimal  # > 0
    daily_cap: int  # points per person per Shenzhen day, > 0
    validity_months: int  # 1 .. MAX_VALIDITY_MONTHS

    def __post_init__(self) -> None:
        if self.points_per_tco2e <= 0:
            raise ValueError("a points rate is above zero")
        if self.daily_cap <= 0:
            raise ValueError("a daily cap is above zero")
        if not 0 < self.validity_months <= MAX_VALIDITY_MONTHS:
            raise ValueError("points last at least a month and at most 10 years")

    def points_for(self, credited_tco2e: Decimal) -> int:
        """The points of a credited reduction: rate x tonnes, rounded down."""
        if credited_tco2e <= 0:
            return 0
        # The product of two positive decimals is positive, and int() of a
        # positive decimal truncates, i.e. rounds down: the same integer as
        # to_integral_value(ROUND_FLOOR) of the same product, one decimal fewer.
        return int(credited_tco2e * self.points_per_tco2e)


@dataclass(frozen=True, slots=True)
class PointsRules:
    """Every exchange rule, by (partner, Shenzhen methodology)."""

    rules: Mapping[tuple[str, str], PointsRule] = field(default_factory=dict)
    # The platform a personal claim naming none falls to, per partner.
    default_platforms: Mapping[str, str] = field(default_factory=dict)
    # Former methodology id -> current id (methodologies.yaml ``formerly``):
    # a claim stored under a former id (held, approved after a rename) earns
    # under its methodology's rule.
    former_methodologies: Mapping[str, str] = field(default_factory=dict)

    def rule(self, partner: str, methodology: str) -> PointsRule | None:
        found = self.rules.get((partner, methodology))
        if found is None and methodology in self.former_methodologies:
            return self.rules.get((partner, self.former_methodologies[methodology]))
        return found

    def __bool__(self) -> bool:
        return bool(self.rules)


class Credit(NamedTuple):
    """A credited personal claim that may earn its person points.

    A named tuple, built positionally: ingestion makes one per accepted
    personal claim, and a frozen dataclass's keyword construction cost
    several times as much (docs/ingestion-profile.md, eleventh round)."""

    claim_id: str
    partner: str
    person: str  # the pseudonym, stripped
    platform: str | None
    methodology: str
    credited_tco2e: Decimal
    day: date  # the Shenzhen day the activity began: the day its cap counts against
    # Shenzhen days the claim covers: a month's aggregate may earn a month of
    # daily caps (counted against its first day), a single trip one.
    days: int = 1


class Award(NamedTuple):
    """A credit's award; a named tuple for the same reason as Credit (storage
    unpacks it in one step into the ledger's row)."""

    claim_id: str
    partner: str
    person: str
    platform: str | None
    methodology: str
    points: int  # > 0
    day: date
    expires_at: datetime
    uncapped: int  # what the rule gave before the daily cap


CapKey = tuple[str, str, str, date]  # partner, person, methodology, day


def days_covered(start: datetime, end: datetime, zone: tzinfo) -> int:
    """The calendar days (in ``zone``) that [start, end) touches; at least one."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return max(1, (last - first).days + 1)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months (the 31st becomes the month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


_UNKNOWN: Any = object()


def _terms(
    rule: PointsRule | None, now: datetime, expiry: dict[int, datetime]
) -> tuple[Callable[[Decimal], int], int, datetime] | None:
    """What ``awards_for`` needs of ``rule``: its points, daily cap and the
    expiry of an award made ``now`` (shared by validity)."""
    if rule is None:
        return None
    expires_at = expiry.get(rule.validity_months)
    if expires_at is None:
        # Months counted in UTC, the zone the audit log keeps instants in: the
        # claim's event tells the validity in months (hub.services.points
        # award_details), and its ``at`` plus those months is this instant.
        expires_at = expiry[rule.validity_months] = add_months(
            now.astimezone(UTC), rule.validity_months
        )
    return rule.points_for, rule.daily_cap, expires_at


def awards_for(
    credits: Iterable[Credit],
    rules: PointsRules,
    awarded_before: Mapping[CapKey, int],
    now: datetime,
) -> list[Award]:
    """The awards of ``credits`` in order, each capped by what its person was
    awarded that day under the same partner and methodology: before
    (``awarded_before``) and earlier in ``credits`` (a claim covering several
    days may earn the cap of each, counted against its first day). A credit without a rule,
    or worth no points (after the cap), gets no award."""
    so_far: dict[CapKey, int] = {}
    awards: list[Award] = []
    append = awards.append
    # By (partner, methodology): the rule's points, cap and expiry (every
    # award of the batch is made ``now``, so one expiry per validity), or
    # None without a rule. A batch's credits share a few rules.
    terms: dict[tuple[str, str], tuple[Callable[[Decimal], int], int, datetime] | None] = {}
    expiry: dict[int, datetime] = {}
    for credit in credits:
        claim_id, partner, person, platform, methodology, credited, day, days = credit
        found = terms.get((partner, methodology), _UNKNOWN)
        if found is _UNKNOWN:
            found = terms[(partner, methodology)] = _terms(
                rules.rule(partner, methodology), now, expiry
            )
        if found is None:
            continue
        points_for, daily_cap, expires_at = found
        uncapped = points_for(credited)
        key = (partner, person, methodology, day)
        used = so_far.get(key)
        if used is None:
            used = awarded_before.get(key, 0)
        # max(0, min(uncapped, cap x days - used)), a claim counting one day at least
        room = daily_cap * (days if days > 1 else 1) - used
        points = uncapped if uncapped < room else room
        if points <= 0:
            continue
        so_far[key] = used + points
        append(
            Award(
                claim_id, partner, person, platform, methodology, points, day, expires_at, uncapped
            )
        )
    return awards


@dataclass(frozen=True, slots=True)
class PointsEntry:
    """One entry of a person's points with one partner, as the ledger keeps it.

    Entries are given in the order they were written. An award is named by
    its claim; a reversal and an expiry name the award's claim too.
    """

    kind: EntryKind
    points: int
    occurred_at: datetime
    claim_id: str | None = None
    redemption_id: str | None = None
    expires_at: datetime | None = None


def remaining_by_award(entries: Sequence[PointsEntry]) -> dict[str, int]:
    """What is left of each award (by claim id, in award order) once
    redemptions consumed the oldest awards first and reversals and expiries
    took their own award's part."""
    remaining: dict[str, int] = {}
    for entry in entries:
        if entry.kind is EntryKind.AWARD and entry.claim_id is not None:
            remaining[entry.claim_id] = entry.points
        elif entry.kind in (EntryKind.REVERSAL, EntryKind.EXPIRY) and entry.claim_id:
            left = remaining.get(entry.claim_id, 0)
            remaining[entry.claim_id] = max(0, left - entry.points)
        elif entry.kind is EntryKind.REDEMPTION:
            owed = entry.points
            for claim_id, left in remaining.items():
                if owed == 0:
                    break
                taken = min(left, owed)
                remaining[claim_id] = left - taken
                owed -= taken
    return remaining


def balance_of(entries: Sequence[PointsEntry]) -> int:
    return sum(remaining_by_award(entries).values())


def reversal_of(entries: Sequence[PointsEntry], claim_id: str) -> int | None:
    """The points a reversal of ``claim_id``'s award takes back: what is left
    of exactly that award (the part redeemed already is not recoverable from
    the person). None: there is no award, or it was reversed already."""
    awarded = any(e.kind is EntryKind.AWARD and e.claim_id == claim_id for e in entries)
    reversed_ = any(e.kind is EntryKind.REVERSAL and e.claim_id == claim_id for e in entries)
    if not awarded or reversed_:
        return None
    return remaining_by_award(entries).get(claim_id, 0)


def due_expiries(entries: Sequence[PointsEntry], now: datetime) -> list[tuple[str, int]]:
    """(claim id, points) of every award whose validity ended by ``now`` and
    has no expiry yet: its unredeemed part (possibly 0, which closes it)."""
    closed = {e.claim_id for e in entries if e.kind in (EntryKind.EXPIRY, EntryKind.REVERSAL)}
    remaining = remaining_by_award(entries)
    return [
        (e.claim_id, remaining.get(e.claim_id, 0))
        for e in entries
        if e.kind is EntryKind.AWARD
        and e.claim_id is not None
        and e.claim_id not in closed
        and e.expires_at is not None
        and e.expires_at <= now
    ]


def earliest_open_expiry(
    entries: Sequence[PointsEntry], closing: Iterable[str] = ()
) -> datetime | None:
    """The earliest expiry of the awards still open (no expiry or reversal
    among ``entries``, nor in ``closing``: claim ids being closed with them);
    None when none is open. The expiry sweep's bound for the person."""
    closed = {e.claim_id for e in entries if e.kind in (EntryKind.EXPIRY, EntryKind.REVERSAL)}
    closed.update(closing)
    return min(
        (
            e.expires_at
            for e in entries
            if e.kind is EntryKind.AWARD and e.expires_at is not None and e.claim_id not in closed
        ),
        default=None,
    )


class RedemptionVerdict(StrEnum):
    REDEEMED = "REDEEMED"  # new: an entry is written
    ALREADY_REDEEMED = "ALREADY_REDEEMED"  # the same id, person and points: no new effect
    CONFLICT = "CONFLICT"  # the id was used for another person or amount
    INSUFFICIENT = "INSUFFICIENT"  # the balance is below the points asked
    INVALID = "INVALID"  # not a positive number of points


@dataclass(frozen=True, slots=True)
class RedemptionOutcome:
    verdict: RedemptionVerdict
    balance: int  # the balance after (or, refused, as it stands)


def redeem(
    balance: int,
    points: int,
    person: str,
    earlier: tuple[str, int] | None,
) -> RedemptionOutcome:
    """Decide a redemption of ``points`` from ``person``'s ``balance``.

    ``earlier``: the (person, points) of a redemption already recorded under
    the same id for the same partner, if any. Idempotent by id: the same
    request again changes nothing; the same id for anything else is a
    conflict. A redemption never takes a balance below zero.
    """
    if earlier is not None:
        if earlier == (person, points):
            return RedemptionOutcome(RedemptionVerdict.ALREADY_REDEEMED, balance)
        return RedemptionOutcome(RedemptionVerdict.CONFLICT, balance)
    if points <= 0:
        return RedemptionOutcome(RedemptionVerdict.INVALID, balance)
    if points > balance:
        return RedemptionOutcome(RedemptionVerdict.INSUFFICIENT, balance)
    return RedemptionOutcome(RedemptionVerdict.REDEEMED, balance - points)
