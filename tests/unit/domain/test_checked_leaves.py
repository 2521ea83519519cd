"""The leaves a checkpoint's walk carries to the integrator: exactly the
events after the walk's start, in seq order, or none at all."""

from __future__ import annotations

from hub.domain.checked_leaves import CheckedLeaves
from hub.domain.merkle import leaf_hash


def _walked(after: int, seqs: range, limit: int = 100) -> CheckedLeaves:
    checked = CheckedLeaves(after, limit)
    for seq in seqs:
        checked.add(seq, f"event {seq}".encode())
    return checked


def test_the_leaves_of_any_span_walked_are_given_in_seq_order() -> None:
    checked = _walked(10, range(11, 21))
    assert checked.up_to == 20
    assert checked.between(10, 20) == [leaf_hash(f"event {s}".encode()) for s in range(11, 21)]
    assert checked.between(14, 16) == [leaf_hash(b"event 15"), leaf_hash(b"event 16")]


def test_a_span_not_wholly_walked_gives_none() -> None:
    checked = _walked(10, range(11, 21))
    for after, up_to in ((9, 12), (19, 21), (15, 15), (16, 15)):
        assert checked.between(after, up_to) is None


def test_a_walk_that_skips_or_repeats_a_seq_keeps_nothing() -> None:
    for seqs in ([11, 13], [11, 12, 12], [12]):
        checked = CheckedLeaves(10)
        for seq in seqs:
            checked.add(seq, b"x")
        assert checked.up_to is None and checked.between(10, 11) is None


def test_a_walk_longer_than_the_limit_keeps_nothing() -> None:
    assert _walked(0, range(1, 4), limit=3).up_to == 3
    longer = _walked(0, range(1, 5), limit=3)
    assert longer.up_to is None and longer.between(0, 3) is None


def test_a_walk_of_nothing_holds_nothing() -> None:
    assert CheckedLeaves(7).up_to is None
