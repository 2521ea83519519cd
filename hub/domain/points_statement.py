"""A person's carbon points with one partner, summed up: what a partner's
platform shows its user (balance, what was awarded, redeemed, expired and
taken back, and when the next points expire).

Pure: computed from the person's entries as the ledger keeps them
(hub.domain.points), so the figures always add up to the balance the
ledger enforces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.points import EntryKind, PointsEntry, remaining_by_award

__all__ = ["PointsStatement", "points_statement"]


@dataclass(frozen=True, slots=True)
class PointsStatement:
    balance: int  # awarded - redeemed - expired - reversed
    awarded: int
    redeemed: int
    expired: int
    reversed: int
    next_expiry: datetime | None  # when the earliest points still held expire; None: none held
    next_expiry_points: int  # how many expire then (several awards may share the moment)


def points_statement(entries: Sequence[PointsEntry]) -> PointsStatement:
    """The statement of one person's entries with one partner, in the order written.

    The next expiry looks at the awards with points left (redemptions take
    the oldest first): an award past its validity that the periodic expiry
    has not closed yet still counts, since its points are still held."""
    totals = dict.fromkeys(EntryKind, 0)
    for entry in entries:
        totals[entry.kind] += entry.points
    remaining = remaining_by_award(entries)
    closed = {e.claim_id for e in entries if e.kind in (EntryKind.EXPIRY, EntryKind.REVERSAL)}
    held: dict[datetime, int] = {}
    for entry in entries:
        if (
            entry.kind is EntryKind.AWARD
            and entry.claim_id is not None
            and entry.claim_id not in closed
            and entry.expires_at is not None
            and remaining.get(entry.claim_id, 0) > 0
        ):
            held[entry.expires_at] = held.get(entry.expires_at, 0) + remaining[entry.claim_id]
    next_expiry = min(held) if held else None
    return PointsStatement(
        balance=sum(remaining.values()),
        awarded=totals[EntryKind.AWARD],
        redeemed=totals[EntryKind.REDEMPTION],
        expired=totals[EntryKind.EXPIRY],
        reversed=totals[EntryKind.REVERSAL],
        next_expiry=next_expiry,
        next_expiry_points=held[next_expiry] if next_expiry is not None else 0,
    )
