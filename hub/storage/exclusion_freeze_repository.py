"""Which blocks the exchange was told are frozen because their inventory
exclusion was not COMPLETED in time (``blocks.exclusion_frozen``, migration 0015).

The flag only records the announcement; whether a block may be retired is
decided from the exclusion's history (hub.domain.inventory_exclusions). Each
change is a conditional UPDATE that returns the rows it changed, so two hub
processes sweeping at once announce each block once.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update

from hub.domain.blocks import BlockState
from hub.storage.block_tables import BlockRow
from hub.storage.transaction import Transaction, chunks

# Blocks that can still move: a retired, cancelled or split block is never announced.
_MOVABLE = (str(BlockState.ISSUED), str(BlockState.DELIVERED))


class SqlAlchemyExclusionFreezeRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def freeze(self, partner: str, reference: str) -> list[str]:
        """Mark the reference's movable blocks frozen; the ids newly marked."""
        return self._set(partner, reference, True)

    def thaw(self, partner: str, reference: str) -> list[str]:
        """Clear the mark; the ids that had it."""
        return self._set(partner, reference, False)

    def marked(self, block_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(sorted(set(block_ids))):
            rows = self._tx.connection.execute(
                select(BlockRow.block_id).where(
                    BlockRow.block_id.in_(chunk), BlockRow.exclusion_frozen.is_(True)
                )
            )
            found.update(block_id for (block_id,) in rows)
        return found

    def _set(self, partner: str, reference: str, frozen: bool) -> list[str]:
        with self._tx.writing() as connection:
            rows = connection.execute(
                update(BlockRow)
                .where(
                    BlockRow.partner == partner,
                    BlockRow.adjustment_ref == reference,
                    BlockRow.state.in_(_MOVABLE),
                    BlockRow.exclusion_frozen.is_(not frozen),
                )
                .values(exclusion_frozen=frozen)
                .returning(BlockRow.block_id)
            )
            return sorted(row.block_id for row in rows)
