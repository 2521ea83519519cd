"""Which locks are points (kept under a unique key) and which are true ranges."""

from __future__ import annotations

from hub.domain.locks import POINT, POINT_KINDS, LockKind, OriginBlock, locks_for
from hub.standard import Standard
from tests.unit.domain.test_person_travel import MOBILITY, SITE, hk_fit, normalised, trip


def test_only_the_content_lock_is_a_point() -> None:
    # hub.storage.claim_locks keeps exactly this kind in claim_content_locks:
    # another point kind needs a table (or a kind column) of its own there.
    assert frozenset({LockKind.CONTENT}) == POINT_KINDS


def test_every_claim_takes_its_content_lock_as_the_point_and_the_rest_as_ranges(
    standard: Standard,
) -> None:
    block = OriginBlock("GDPH-4401-PV-2023-0007-2024", 11, 11)
    taken = [
        *locks_for(trip(), normalised(standard, trip()), None, MOBILITY),
        *locks_for(hk_fit(), normalised(standard, hk_fit()), block, SITE),
    ]
    points = [lock for lock in taken if lock.kind in POINT_KINDS]
    assert len(points) == 2
    assert all((lock.lo, lock.hi) == (POINT, POINT) for lock in points)
    # Two different claims, two different content keys.
    assert points[0].key != points[1].key
    # A trip's seconds and a month of a site are ranges; a one-serial origin
    # block is [11, 11] here but a block of many serials elsewhere: a range kind.
    ranges = {lock.kind for lock in taken if lock.kind not in POINT_KINDS}
    assert ranges == {
        LockKind.PERSON_PERIOD,
        LockKind.PERSON_TRAVEL,
        LockKind.PROJECT_PERIOD,
        LockKind.ORIGIN_SERIAL,
    }
    assert all(
        lock.lo < lock.hi
        for lock in taken
        if lock.kind is not LockKind.ORIGIN_SERIAL and lock.kind not in POINT_KINDS
    )
