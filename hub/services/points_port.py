"""The storage port of the carbon points ledger (hub.domain.points).

Entries are appended, never changed; each one moves its person's balance
row in the same transaction. Two transactions writing points of one person
(partner, pseudonym) are serialised by ``lock_persons``, which every writer
calls before it reads what it decides on.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from hub.domain.points import Award, EntryKind

__all__ = ["CreditedClaim", "LedgerPointsEntry", "PointsMonth", "PointsRepository"]

PersonKey = tuple[str, str]  # partner, person pseudonym (stripped)
CapKey = tuple[str, str, str, date]  # partner, person, methodology, Shenzhen day


@dataclass(frozen=True, slots=True)
class LedgerPointsEntry:
    kind: EntryKind
    partner: str
    person: str
    points: int
    occurred_at: datetime
    platform: str | None = None
    methodology: str | None = None
    claim_id: str | None = None
    redemption_id: str | None = None
    day: date | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CreditedClaim:
    """What an award needs of a stored claim (a HELD claim approved later)."""

    claim_id: str
    partner: str
    person: str | None  # stripped; None: no person
    platform: str | None
    methodology: str | None
    credited_tco2e: Decimal | None
    period_start: datetime | None
    period_end: datetime | None


@dataclass(frozen=True, slots=True)
class PointsMonth:
    """Points of one kind entered for one partner in one month (UTC)."""

    partner: str
    month: str  # YYYY-MM
    kind: EntryKind
    points: int
    entries: int


class PointsRepository(Protocol):
    def lock_persons(self, persons: Collection[PersonKey]) -> None:
        """Make other transactions writing points of ``persons`` wait until
        this one ends (PostgreSQL: advisory transaction locks, taken in one
        order; SQLite: BEGIN IMMEDIATE serialises writers anyway)."""
        ...

    def awarded_on(self, keys: Collection[CapKey]) -> dict[CapKey, int]:
        """The points awarded so far per (partner, person, methodology, day)."""
        ...

    def awarded_claims(self, claim_ids: Collection[str]) -> set[str]:
        """Which of ``claim_ids`` have an award."""
        ...

    def award_of(self, claim_id: str) -> LedgerPointsEntry | None: ...

    def entries(self, partner: str, person: str) -> list[LedgerPointsEntry]:
        """The person's entries with the partner, in the order written."""
        ...

    def persons(self, person: str) -> list[str]:
        """The partners ``person`` has points entries with."""
        ...

    def reported(self, partner: str, person: str) -> bool:
        """Whether ``partner`` ever sent a claim naming ``person``."""
        ...

    def credited_claims(self, claim_ids: Collection[str]) -> list[CreditedClaim]: ...

    def balance(self, partner: str, person: str) -> int | None:
        """None: the person never had points with the partner."""
        ...

    def redemption(self, partner: str, redemption_id: str) -> LedgerPointsEntry | None: ...

    def add(self, entries: Sequence[LedgerPointsEntry]) -> None:
        """Append ``entries`` and move their persons' balances (awards add,
        the rest take away). ConcurrentWriteConflict when a constraint
        refuses them (a second award for a claim, a balance below zero)."""
        ...

    def add_awards(self, awards: Sequence[Award], occurred_at: datetime) -> None:
        """``add`` of one AWARD entry per award, made at ``occurred_at``
        (the ingestion path: no LedgerPointsEntry built per award)."""
        ...

    def expiring(
        self, now: datetime, limit: int, after: PersonKey | None = None
    ) -> list[PersonKey]:
        """Up to ``limit`` persons, in (partner, person) order and after
        ``after``, whose expiry bound is by ``now``. Every person with an open
        award (no expiry or reversal yet) whose validity ended by ``now`` is
        among them (the bound is never later than such an award's expiry);
        some may have nothing due (the bound may be early)."""
        ...

    def set_next_expiry(self, bounds: Mapping[PersonKey, datetime | None]) -> None:
        """Store each person's expiry bound: the earliest expiry of their open
        awards, None when none is open. The caller holds the persons' lock
        (``lock_persons``) and read their entries under it."""
        ...

    def months(self) -> list[PointsMonth]:
        """Totals per partner, month and kind: aggregates only, no person."""
        ...
