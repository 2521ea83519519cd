"""Double-issuance keys: what two claims must never share.

Every claim that is ACCEPTED or HELD takes one lock per rule below; the
storage layer refuses a lock whose (kind, key) equals another's and whose
integer range [lo, hi] overlaps it. The database enforces this (an
exclusion constraint on PostgreSQL, a trigger on SQLite), so it holds when
several hub processes share one database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.domain.claims import ClaimSubmission, NormalisedClaim


class LockKind(StrEnum):
    CONTENT = "CONTENT"  # same reduction re-sent under a new record id
    PROJECT_PERIOD = "PROJECT_PERIOD"  # one project, overlapping monitoring periods
    PERSON_PERIOD = "PERSON_PERIOD"  # one person and methodology, overlapping periods (any partner)
    ORIGIN_SERIAL = "ORIGIN_SERIAL"  # overlapping origin serial blocks (e.g. PHCER)


# The check code each lock kind answers with when it collides.
CONFLICT_CODES: dict[LockKind, str] = {
    LockKind.CONTENT: "DUPLICATE_CONTENT",
    LockKind.PROJECT_PERIOD: "PROJECT_PERIOD_OVERLAP",
    LockKind.PERSON_PERIOD: "PERSON_PERIOD_OVERLAP",
    LockKind.ORIGIN_SERIAL: "ORIGIN_SERIAL_OVERLAP",
}


@dataclass(frozen=True, slots=True)
class ClaimLock:
    kind: LockKind
    key: str
    lo: int
    hi: int  # inclusive

    def overlaps(self, other: ClaimLock) -> bool:
        return (
            self.kind == other.kind
            and self.key == other.key
            and self.lo <= other.hi
            and other.lo <= self.hi
        )


@dataclass(frozen=True, slots=True)
class OriginBlock:
    """A serial block in the origin registry, inclusive of both ends."""

    series: str  # e.g. "GDPH-4401-PV-2023-0007-2024": the numbering space
    first: int
    last: int

    @property
    def units(self) -> int:
        return self.last - self.first + 1


def _epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def locks_for(
    submission: ClaimSubmission,
    normalised: NormalisedClaim,
    origin_block: OriginBlock | None,
) -> list[ClaimLock]:
    """The locks a counted claim takes."""
    # Periods are half-open [start, end); as integer seconds that is [start, end - 1].
    lo = _epoch_seconds(normalised.period_start)
    hi = _epoch_seconds(normalised.period_end) - 1
    locks = [ClaimLock(LockKind.CONTENT, submission.digest_without_identity(), 0, 0)]
    if submission.project_id:
        locks.append(
            ClaimLock(
                LockKind.PROJECT_PERIOD,
                f"{submission.partner}|project|{submission.project_id}",
                lo,
                hi,
            )
        )
    elif submission.site_id and not submission.person_pseudonym:
        # An organisation's site (solar system, charger) without a registered
        # project is the asset: one site, one claim per moment. A personal
        # record at a shared outlet is keyed by the person instead.
        locks.append(
            ClaimLock(
                LockKind.PROJECT_PERIOD, f"{submission.partner}|site|{submission.site_id}", lo, hi
            )
        )
    if submission.person_pseudonym:
        # Keyed across partners: the federation pepper gives one person one
        # pseudonym everywhere, so two platforms reporting one trip collide.
        locks.append(
            ClaimLock(
                LockKind.PERSON_PERIOD,
                # Material separates two recycling drops of one person at one time.
                f"{submission.person_pseudonym}|{normalised.methodology}|{submission.material or ''}",  # noqa: E501
                lo,
                hi,
            )
        )
    if origin_block is not None:
        locks.append(
            ClaimLock(
                LockKind.ORIGIN_SERIAL, origin_block.series, origin_block.first, origin_block.last
            )
        )
    return locks
