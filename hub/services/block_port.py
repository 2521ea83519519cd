"""The storage port of Shenzhen CER blocks (hub.storage.block_repository).

Blocks are issued, delivered, split, retired and cancelled by conditional
state changes; two live blocks of one series never overlap (the database
refuses it). What the exchange is told about them goes through
hub.services.outbox_port.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Block, BlockState


@dataclass(frozen=True, slots=True)
class BlockFilter:
    partner: str | None = None
    states: frozenset[BlockState] | None = None
    delivered_only: bool = False  # only blocks the exchange acknowledged at some point
    adjustment_ref: str | None = None  # only blocks under this inventory-exclusion reference


class BlockRepository(Protocol):
    def add(self, blocks: Sequence[Block]) -> None:
        """Insert blocks. Two live (not SPLIT) blocks of one series with
        overlapping unit ranges are refused by the database:
        ConcurrentWriteConflict."""
        ...

    def get_many(self, block_ids: Collection[str]) -> dict[str, Block]: ...

    def by_serial(self, serial: str) -> Block | None: ...

    def transition(
        self,
        block_id: str,
        expected: Collection[BlockState],
        new: BlockState,
        at: datetime,
        *,
        require_unfrozen: bool = True,
    ) -> None:
        """Conditional state change; DELIVERED also sets delivered_at if unset.
        Raises ConcurrentWriteConflict when the stored state is not in
        ``expected`` (or the block is frozen and ``require_unfrozen``)."""
        ...

    def split(self, parent: Block, head: Block, tail: Block, at: datetime) -> None:
        """The parent (in parent.state, unfrozen) becomes SPLIT; head and tail,
        whose ranges partition the parent's, are inserted. Conditional like
        transition()."""
        ...

    def set_adjustment(self, partner: str, reference: str, status: AdjustmentStatus) -> list[Block]:
        """Set the adjustment status of the partner's blocks with that reference
        (every state); returns them as now stored."""
        ...

    def set_frozen(self, block_ids: Collection[str], frozen: bool) -> None: ...

    def find(self, where: BlockFilter) -> list[Block]:
        """Blocks matching, ordered by serial."""
        ...

    def unit_totals(self, partner: str) -> dict[BlockState, tuple[int, int]]:
        """Per state: (blocks, units) of the partner's blocks; SPLIT excluded."""
        ...
