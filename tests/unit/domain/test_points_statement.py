"""A person's points summed up: the figures add up to the balance the ledger
keeps, and the next expiry is that of the oldest points still held."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain.points import EntryKind, PointsEntry, balance_of
from hub.domain.points_statement import points_statement

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Y1 = datetime(2027, 1, 1, tzinfo=UTC)
Y2 = datetime(2028, 1, 1, tzinfo=UTC)


def _award(claim: str, points: int, expires: datetime) -> PointsEntry:
    return PointsEntry(EntryKind.AWARD, points, T0, claim_id=claim, expires_at=expires)


def test_no_entries_is_an_empty_statement() -> None:
    statement = points_statement([])
    assert (statement.balance, statement.awarded, statement.next_expiry) == (0, 0, None)
    assert statement.next_expiry_points == 0


def test_every_kind_is_summed_and_the_figures_add_up_to_the_balance() -> None:
    entries = [
        _award("c1", 100, Y1),
        _award("c2", 50, Y2),
        _award("c3", 30, Y2),
        PointsEntry(EntryKind.REDEMPTION, 40, T0, redemption_id="r1"),
        PointsEntry(EntryKind.REVERSAL, 30, T0, claim_id="c3"),
    ]
    statement = points_statement(entries)
    assert statement.awarded == 180
    assert statement.redeemed == 40
    assert statement.reversed == 30
    assert statement.expired == 0
    assert statement.balance == 110 == balance_of(entries)
    assert statement.balance == (
        statement.awarded - statement.redeemed - statement.expired - statement.reversed
    )
    # Redemptions take the oldest award first: 60 of c1 are left, due first.
    assert (statement.next_expiry, statement.next_expiry_points) == (Y1, 60)


def test_points_redeemed_or_expired_no_longer_expire_next() -> None:
    entries = [
        _award("c1", 100, Y1),
        _award("c2", 50, Y2),
        PointsEntry(EntryKind.REDEMPTION, 100, T0, redemption_id="r1"),
    ]
    assert points_statement(entries).next_expiry == Y2
    expired = [
        _award("c1", 100, Y1),
        _award("c2", 50, Y2),
        PointsEntry(EntryKind.EXPIRY, 100, Y1, claim_id="c1"),
    ]
    statement = points_statement(expired)
    assert (statement.expired, statement.balance) == (100, 50)
    assert (statement.next_expiry, statement.next_expiry_points) == (Y2, 50)


def test_awards_sharing_an_expiry_are_counted_together() -> None:
    statement = points_statement([_award("c1", 10, Y1), _award("c2", 15, Y1)])
    assert (statement.next_expiry, statement.next_expiry_points) == (Y1, 25)
