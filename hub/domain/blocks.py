"""Shenzhen CER blocks and their life: ISSUED → DELIVERED → RETIRED, or CANCELLED.

A block is a SerialRange owned by one account, plus where it stands. RETIRED
and CANCELLED are terminal: such a block never moves again (double use). A
block split on a partial retirement becomes SPLIT (superseded, kept for the
audit trail) and its two children carry on; children parse back to the
parent because they are sub-ranges of the same series.

The moves themselves are decided here (may_cancel, not_retirable,
may_acknowledge, delivered_by_acknowledgement, withheld_from_exchange,
Block.routable); the services load the block, ask, and store the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.serial_blocks import SerialRange


class BlockState(StrEnum):
    ISSUED = "ISSUED"  # issued by the hub, not yet acknowledged by the exchange
    DELIVERED = "DELIVERED"  # the exchange acknowledged it
    RETIRED = "RETIRED"  # 注销/消纳 reported by the exchange: terminal
    CANCELLED = "CANCELLED"  # cancelled by the bureau with a reason: terminal
    SPLIT = "SPLIT"  # superseded by two child blocks: never moves again


TERMINAL_STATES = frozenset({BlockState.RETIRED, BlockState.CANCELLED, BlockState.SPLIT})
# States in which the units exist and count (a SPLIT parent's units live in its children).
LIVE_STATES = frozenset(
    {BlockState.ISSUED, BlockState.DELIVERED, BlockState.RETIRED, BlockState.CANCELLED}
)
# What the bureau may cancel: a block that can still move, and a RETIRED one
# whose units prove not to be real after retirement (it moves nowhere, but
# its retirement no longer stands). CANCELLED and SPLIT never change again.
CANCELLABLE_STATES = frozenset({BlockState.ISSUED, BlockState.DELIVERED, BlockState.RETIRED})
# States in which the units can still move (be delivered or retired): what a
# freeze stops (hub.domain.origin_reissuance).
MOVABLE_STATES = frozenset({BlockState.ISSUED, BlockState.DELIVERED})
# States in which the exchange holds or held the block: what it states in a
# reconciliation (hub.services.reconciliation).
EXCHANGE_STATES = frozenset({BlockState.DELIVERED, BlockState.RETIRED, BlockState.CANCELLED})


class NotRetirable(StrEnum):
    """Why the block itself refuses a retirement (before the exclusion's terms)."""

    TERMINAL = "TERMINAL"  # retired, cancelled or split already: double use
    NOT_DELIVERED = "NOT_DELIVERED"  # the exchange never acknowledged it
    FROZEN = "FROZEN"  # under an open reconciliation discrepancy


ROUTABLE_ADJUSTMENTS = frozenset(
    {AdjustmentStatus.NOT_REQUIRED, AdjustmentStatus.COMMITTED, AdjustmentStatus.COMPLETED}
)
# An attestation may only move the status forward; REVOKED is last and terminal.
_ADJUSTMENT_ORDER = {
    AdjustmentStatus.PENDING: 0,
    AdjustmentStatus.COMMITTED: 1,
    AdjustmentStatus.COMPLETED: 2,
    AdjustmentStatus.REVOKED: 3,
}


def adjustment_may_move(current: AdjustmentStatus, new: AdjustmentStatus) -> bool:
    if current is AdjustmentStatus.NOT_REQUIRED or new is AdjustmentStatus.NOT_REQUIRED:
        return current is new
    if current is AdjustmentStatus.REVOKED:
        return new is AdjustmentStatus.REVOKED
    return _ADJUSTMENT_ORDER[new] >= _ADJUSTMENT_ORDER[current]


@dataclass(frozen=True, slots=True)
class Adjustment:
    reference: str | None
    status: AdjustmentStatus

    @property
    def routable(self) -> bool:
        return self.status in ROUTABLE_ADJUSTMENTS


@dataclass(frozen=True, slots=True)
class Block:
    block_id: str
    range: SerialRange
    partner: str  # the origin partner code, e.g. CN-GD
    account: str  # "project:<id>", "site:<id>" or "person:<pseudonym>"
    state: BlockState
    adjustment: Adjustment
    issued_at: datetime
    parent_block_id: str | None = None
    issuance_id: str | None = None
    delivered_at: datetime | None = None  # first acknowledgement by the exchange
    frozen: bool = False  # under an open reconciliation discrepancy

    @property
    def serial(self) -> str:
        return self.range.serial

    @property
    def units(self) -> int:
        return self.range.units

    @property
    def vintage(self) -> int:
        return self.range.series.vintage

    @property
    def routable(self) -> bool:
        """May go to the exchange: issued, adjustment in order, not frozen."""
        return self.state is BlockState.ISSUED and self.adjustment.routable and not self.frozen


def may_cancel(block: Block) -> bool:
    """The bureau may cancel the block (CANCELLABLE_STATES)."""
    return block.state in CANCELLABLE_STATES


def not_retirable(block: Block) -> NotRetirable | None:
    """Why the exchange may not retire the block now, in the order the
    refusals are checked; None: only a DELIVERED block not frozen may be."""
    if block.state in TERMINAL_STATES:
        return NotRetirable.TERMINAL
    if block.state is not BlockState.DELIVERED:
        return NotRetirable.NOT_DELIVERED
    if block.frozen:
        return NotRetirable.FROZEN
    return None


def may_acknowledge(block: Block) -> bool:
    """The exchange may acknowledge the block: anything but an ISSUED block
    it was never offered (its adjustment not routable). A block offered and
    then revoked may still be acknowledged: it stays frozen (no retirement),
    but the exchange's books match the hub's."""
    return not (
        block.state is BlockState.ISSUED
        and not block.adjustment.routable
        and block.adjustment.status is not AdjustmentStatus.REVOKED
    )


def delivered_by_acknowledgement(block: Block) -> bool:
    """An acknowledgement moves an ISSUED block to DELIVERED; any other state
    stays as it is (acknowledging again is a no-op)."""
    return block.state is BlockState.ISSUED


def withheld_from_exchange(block: Block) -> bool:
    """A block the bureau cancelled before the exchange ever acknowledged it:
    its QUALIFIED event is left out, a cancelled block is never delivered."""
    return block.state is BlockState.CANCELLED and block.delivered_at is None
