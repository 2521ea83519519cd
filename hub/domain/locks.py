"""Double-issuance keys: what two claims must never share.

Every claim that is ACCEPTED or HELD takes one lock per rule below; the
storage layer refuses a lock whose (kind, key) equals another's and whose
integer range [lo, hi] overlaps it. The database enforces this (an
exclusion constraint on PostgreSQL, a trigger on SQLite), so it holds when
several hub processes share one database. A kind whose range is always the
one point [0, 0] (POINT_KINDS) overlaps exactly when its key is equal, so
the database keeps it under a plain unique key instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.claims import NormalisedClaim


class LockKind(StrEnum):
    CONTENT = "CONTENT"  # same reduction re-sent under a new record id
    PROJECT_PERIOD = "PROJECT_PERIOD"  # one project or site, overlapping periods
    PERSON_PERIOD = "PERSON_PERIOD"  # one person and methodology, overlapping periods (any partner)
    # One person, one place at a time: timed trips of any mobility methodology
    # and any partner, keyed by the pseudonym alone, over the trip's seconds.
    PERSON_TRAVEL = "PERSON_TRAVEL"
    ORIGIN_SERIAL = "ORIGIN_SERIAL"  # overlapping origin serial blocks (e.g. PHCER)


# Kinds whose lock is always the point [0, 0]: two such locks overlap exactly
# when their keys are equal, so a unique key enforces them (no range test).
# The content lock: the same reduction, whatever the period. Every other
# kind is a true range (seconds of a period or a trip, serials of a block).
POINT_KINDS: frozenset[LockKind] = frozenset({LockKind.CONTENT})
POINT = 0  # the lo and hi of every lock of a point kind


# The check code each lock kind answers with when it collides.
CONFLICT_CODES: dict[LockKind, str] = {
    LockKind.CONTENT: "DUPLICATE_CONTENT",
    LockKind.PROJECT_PERIOD: "PROJECT_PERIOD_OVERLAP",
    LockKind.PERSON_PERIOD: "PERSON_PERIOD_OVERLAP",
    LockKind.PERSON_TRAVEL: "PERSON_TRIP_OVERLAP",
    LockKind.ORIGIN_SERIAL: "ORIGIN_SERIAL_OVERLAP",
}

# A mobility claim shorter than this is one trip with its times; a whole
# local day (a date-only period) or longer is an aggregate of rides.
TRIP_LONGEST = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LockRules:
    """What the standard says about a claim's methodology, for its locks.

    ``mobility``: a person's travel (bus, metro, bike ...), whose timed trips
    lock the person's time across every mobility methodology and partner.
    ``site_basis``: the claim is for its site (basis site: a PV system, a
    charger, an outlet), so the site is locked whoever the participant; the
    site id of a personal claim (a ride's station) is only where it happened.
    ``shared_site``: the site is an outlet many people use at once (a
    recycling outlet), not an asset whose output is claimed (a PV system, a
    charger): a whole-day personal record there cannot be told from another
    person's drop on the same day, so only its timed records, and records of
    the outlet itself, lock the site.
    """

    mobility: bool = False
    site_basis: bool = False
    shared_site: bool = False


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


def is_timed(normalised: NormalisedClaim) -> bool:
    """The claim is one timed activity (a trip, a drop), not a day or longer."""
    return normalised.period_end - normalised.period_start < TRIP_LONGEST


def is_trip(normalised: NormalisedClaim, rules: LockRules) -> bool:
    """A timed personal mobility claim: one trip with its start and end times."""
    return rules.mobility and is_timed(normalised)


def _site_claimed(normalised: NormalisedClaim, rules: LockRules) -> bool:
    """A claim naming a person locks its site when it is the site's claim: basis
    site, and on an outlet shared by people at once only a timed drop."""
    return rules.site_basis and (not rules.shared_site or is_timed(normalised))


def site_lock_key(partner: str, site_id: str) -> str:
    return f"{partner}|site|{site_id}"


def project_lock_key(partner: str, project_id: str) -> str:
    return f"{partner}|project|{project_id}"


def person_period_key(person_pseudonym: str, methodology: str, material: str | None) -> str:
    # Material separates two recycling drops of one person at one time.
    return f"{person_pseudonym}|{methodology}|{material or ''}"


def range_lock_places(
    submission: ClaimSubmission, normalised: NormalisedClaim
) -> list[tuple[LockKind, str, int]]:
    """Every (kind, key, lo) a range lock of this claim can start at, but its origin serials.

    ``range_lock_keys`` at the first second of the claim's period, where
    ``locks_for`` starts each of them: one probe of the (kind, key, lo) key
    each, however many locks the person or project holds.
    """
    lo = _epoch_seconds(normalised.period_start)
    return [(kind, key, lo) for kind, key in range_lock_keys(submission, normalised.methodology)]


def range_lock_keys(submission: ClaimSubmission, methodology: str) -> list[tuple[LockKind, str]]:
    """Every (kind, key) a range lock of this claim can be under, but its origin serials.

    A superset of what ``locks_for`` takes (which of them it takes depends
    on the standard's rules and the claim's period as well): what a claim
    holds is found under these keys without an index on its id (the
    storage releases a claim's locks this way). The origin serial lock's key
    comes from the origin registry, not from the claim.
    """
    keys: list[tuple[LockKind, str]] = []
    if submission.project_id:
        keys.append(
            (LockKind.PROJECT_PERIOD, project_lock_key(submission.partner, submission.project_id))
        )
    elif submission.site_id:
        keys.append(
            (LockKind.PROJECT_PERIOD, site_lock_key(submission.partner, submission.site_id))
        )
    if submission.person_pseudonym:
        keys.append(
            (
                LockKind.PERSON_PERIOD,
                person_period_key(submission.person_pseudonym, methodology, submission.material),
            )
        )
        person = submission.person_pseudonym.strip()
        if person:
            keys.append((LockKind.PERSON_TRAVEL, person))
    return keys


def locks_for(
    submission: ClaimSubmission,
    normalised: NormalisedClaim,
    origin_block: OriginBlock | None,
    rules: LockRules = LockRules(),
) -> list[ClaimLock]:
    """The locks a counted claim takes."""
    # Periods are half-open [start, end); as integer seconds that is [start, end - 1].
    lo = _epoch_seconds(normalised.period_start)
    hi = _epoch_seconds(normalised.period_end) - 1
    person = (submission.person_pseudonym or "").strip()
    locks = [ClaimLock(LockKind.CONTENT, submission.digest_without_identity(), POINT, POINT)]
    if submission.project_id:
        locks.append(
            ClaimLock(
                LockKind.PROJECT_PERIOD,
                project_lock_key(submission.partner, submission.project_id),
                lo,
                hi,
            )
        )
    elif submission.site_id and (not person or _site_claimed(normalised, rules)):
        # A site without a registered project (solar system, charger) is the
        # asset: one claim per site and moment, whoever the participant named
        # (a personal pseudonym does not make a second claim of its output).
        locks.append(
            ClaimLock(
                LockKind.PROJECT_PERIOD,
                site_lock_key(submission.partner, submission.site_id),
                lo,
                hi,
            )
        )
    if submission.person_pseudonym:
        # Keyed across partners: the federation pepper gives one person one
        # pseudonym everywhere, so two platforms reporting one trip collide.
        locks.append(
            ClaimLock(
                LockKind.PERSON_PERIOD,
                person_period_key(
                    submission.person_pseudonym, normalised.methodology, submission.material
                ),
                lo,
                hi,
            )
        )
        if person and is_trip(normalised, rules):
            # One person, one place at a time: whatever the mode or partner.
            locks.append(ClaimLock(LockKind.PERSON_TRAVEL, person, lo, hi))
    if origin_block is not None:
        locks.append(
            ClaimLock(
                LockKind.ORIGIN_SERIAL, origin_block.series, origin_block.first, origin_block.last
            )
        )
    return locks


def reported_conflicts(colliding: Iterable[ClaimLock]) -> list[ClaimLock]:
    """The colliding locks a refusal names, one per kind.

    A trip that overlaps another trip of the same mode collides on its
    person-period lock as well; the refusal names the trip overlap only,
    which says more (any mode, any partner) and is the trip's own code.
    """
    kinds: dict[LockKind, ClaimLock] = {}
    for lock in colliding:
        kinds.setdefault(lock.kind, lock)
    if LockKind.PERSON_TRAVEL in kinds:
        kinds.pop(LockKind.PERSON_PERIOD, None)
    return list(kinds.values())
