"""Shenzhen CER blocks and their life: ISSUED → DELIVERED → RETIRED, or CANCELLED.

A block is a SerialRange owned by one account, plus where it stands. RETIRED
and CANCELLED are terminal: such a block never moves again (double use). A
block split on a partial retirement becomes SPLIT (superseded, kept for the
audit trail) and its two children carry on; children parse back to the
parent because they are sub-ranges of the same series.
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
