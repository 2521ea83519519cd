"""The storage port of issuance (hub.storage.issuance_repository).

Carry accounts (a project's, a person's, a site's or a platform pool's
remainder below a whole tonne), serial series counters, and the record of
each account's issuance in a run with the claims it issued. The blocks an
issuance makes are stored through hub.services.block_port.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from hub.domain.inventory_exclusions import Coverage
from hub.domain.issuance import AccountKey
from hub.domain.serial_blocks import SerialRange, Series


@dataclass(frozen=True, slots=True)
class CarryAccount:
    """An issuance account's carried remainder, 0 <= carried < 1.

    ``version`` 0 means "not stored yet"; saving increments it, conditionally.
    """

    key: AccountKey
    carried: Decimal
    version: int


@dataclass(frozen=True, slots=True)
class PoolBalance:
    """A platform's pool: credited = units + carried, to the micro-tonne."""

    key: AccountKey
    claims: int  # claims issued through the pool
    credited_tco2e: Decimal  # credited tonnes of those claims
    units: int  # units issued from the pool
    carried_tco2e: Decimal  # what the pool carries, unissued

    @property
    def taken_over_tco2e(self) -> Decimal:
        """The people's remainders the pool took over when pooling began
        (migration 0007): credited + taken over == units + carried."""
        return self.units + self.carried_tco2e - self.credited_tco2e


@dataclass(frozen=True, slots=True)
class IssuanceRecord:
    """One account's issuance in one run: which claims, what came out."""

    issuance_id: str
    key: AccountKey
    # (claim id, credited tCO2e): a claim spanning 31 December is in one
    # record per vintage, with that vintage's part of its tonnes.
    claims: tuple[tuple[str, Decimal], ...]
    carried_before: Decimal
    units: int
    carried_after: Decimal
    block_id: str | None  # None when the account is still below a whole tonne
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedPart:
    """One vintage part of an issued claim (hub.domain.vintage_parts)."""

    vintage: int
    credited_tco2e: Decimal  # the part's share of the claim's credited tonnes
    issuance_id: str
    block_serials: tuple[str, ...]  # the block of its issuance (and children after splits)
    carried_after: Decimal  # what the part's account carried after that issuance


@dataclass(frozen=True, slots=True)
class ClaimIssuance:
    """An issued claim: its last part's issuance, the serials of every part
    (in vintage order), and each part (one for a period inside one year)."""

    issuance_id: str
    block_serials: tuple[str, ...]  # the blocks of its issuances (and children after splits)
    carried_after: Decimal  # what the last part's account carried after its issuance
    parts: tuple[IssuedPart, ...] = ()


class IssuanceRepository(Protocol):
    def carried(self, keys: Collection[AccountKey]) -> dict[AccountKey, CarryAccount]:
        """Stored accounts among ``keys``; a key never saved is absent."""
        ...

    def save_carry(self, accounts: Sequence[CarryAccount]) -> None:
        """Store each account with its new ``version``: version 1 inserts; version
        n > 1 updates the row stored at version n - 1. Any other stored version
        (or a concurrent insert) raises ConcurrentWriteConflict."""
        ...

    def reserve_units(self, series: Series, units: int) -> SerialRange:
        """The next ``units`` unused unit numbers of the series (first = 1 for a new
        series); the counter is advanced in this transaction. A concurrent
        reservation makes the commit (or this call) raise ConcurrentWriteConflict."""
        ...

    def record(self, issuances: Sequence[IssuanceRecord]) -> None:
        """Store issuance records and one row per claim and vintage part, and
        move each claim's issuance state PENDING → ISSUED; a claim already
        issued (by anyone), no longer PENDING or not ACCEPTED raises
        ConcurrentWriteConflict."""
        ...

    def coverage(self, partner: str, reference: str) -> Coverage:
        """The live units (issued, delivered, retired or cancelled) under an
        inventory exclusion reference and their vintages, summed by the
        database: not every block ever issued under it read one by one."""
        ...

    def totals(self, partner: str) -> IssuanceTotals: ...

    def overfull(self, limit: int) -> list[CarryAccount]:
        """At most ``limit`` accounts carrying a whole tonne or more (pools that
        took over their people's remainders, migration 0007), to be issued."""
        ...

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        """Every pool ("pool:<platform>" account), with what its claims were
        credited, the units issued from it and what it carries."""
        ...

    def of_claims(self, claim_ids: Collection[str]) -> dict[str, ClaimIssuance]:
        """For issued claims: the serials of the block their issuance made (or, once
        split, of its live descendants) and the account's remainder after it."""
        ...


@dataclass(frozen=True, slots=True)
class IssuanceTotals:
    claims_issued: int
    units_issued: int  # over the partner's issuance records
    carried_tco2e: Decimal  # sum of the partner's carry accounts
    credited_issued_tco2e: Decimal  # sum of credited tCO2e of issued claims
