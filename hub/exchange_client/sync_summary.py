"""What a sync of the block stream reports: its counts, and each block refused for its receipt.

A block whose receipt does not verify under the hub key is not applied;
the client records a ``ReceiptRefusal`` for it (and ``get_block`` raises
``ReceiptRefused``), so the operator sees which block, why, and from where.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.exchange_client.receipts import ReceiptProblem


@dataclass(frozen=True, slots=True)
class ReceiptRefusal:
    """A block not applied because its receipt did not verify."""

    block_id: str
    problem: ReceiptProblem
    source: str  # where it came from: "StreamBlocks cursor 7", "ReportRetirement <id>", ...


class ReceiptRefused(Exception):
    """GetBlock answered a block whose receipt does not verify."""

    def __init__(self, refusal: ReceiptRefusal) -> None:
        super().__init__(f"{refusal.problem} on block {refusal.block_id} ({refusal.source})")
        self.refusal = refusal


@dataclass
class SyncSummary:
    """The counts of one sync, or of a run's syncs added up."""

    events: int = 0  # events applied (repeats included)
    received: int = 0  # blocks newly held
    repeats: int = 0  # events that changed nothing: already applied by block id
    cancelled: int = 0
    frozen: int = 0
    unfrozen: int = 0
    acknowledged: int = 0
    reconnects: int = 0
    refused: int = 0  # events not applied: their block's receipt failed (the sync stopped there)
    cursor: int = 0
    interrupted: bool = False


def add_summary(total: SyncSummary, more: SyncSummary) -> None:
    """Add the counts of ``more`` to ``total`` (its cursor and interruption stay ``total``'s)."""
    for name in (
        "events",
        "received",
        "repeats",
        "cancelled",
        "frozen",
        "unfrozen",
        "acknowledged",
        "reconnects",
        "refused",
    ):
        setattr(total, name, getattr(total, name) + getattr(more, name))
