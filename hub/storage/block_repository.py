"""Shenzhen CER blocks in the database (hub.services.block_port).

Where a block is stored when issued and moved when delivered, split,
retired, cancelled or frozen: conditional updates on its state. Two live
(not SPLIT) blocks of one series never overlap: the exclusion constraint
(PostgreSQL) or trigger (SQLite) refuses it. The outbox
(hub.storage.outbox_repository) reads blocks with the columns defined here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, literal, select, update

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.serial_blocks import SerialRange, Series
from hub.services.block_port import BlockFilter
from hub.storage.block_tables import BlockRow
from hub.storage.tables import UtcDateTime
from hub.storage.transaction import Transaction, chunks

__all__ = ["BLOCK_COLUMNS", "SqlAlchemyBlockRepository", "block_from_row"]


BLOCK_COLUMNS = (
    BlockRow.block_id,
    BlockRow.origin,
    BlockRow.methodology,
    BlockRow.vintage,
    BlockRow.project,
    BlockRow.first_unit,
    BlockRow.last_unit,
    BlockRow.partner,
    BlockRow.account,
    BlockRow.state,
    BlockRow.adjustment_ref,
    BlockRow.adjustment_status,
    BlockRow.issued_at,
    BlockRow.parent_block_id,
    BlockRow.issuance_id,
    BlockRow.delivered_at,
    BlockRow.frozen,
)


def block_from_row(row: Any) -> Block:
    series = Series(row.origin, row.methodology, row.vintage, row.project)
    return Block(
        block_id=row.block_id,
        range=SerialRange(series, int(row.first_unit), int(row.last_unit)),
        partner=row.partner,
        account=row.account,
        state=BlockState(row.state),
        adjustment=Adjustment(row.adjustment_ref, AdjustmentStatus(row.adjustment_status)),
        issued_at=row.issued_at,
        parent_block_id=row.parent_block_id,
        issuance_id=row.issuance_id,
        delivered_at=row.delivered_at,
        frozen=bool(row.frozen),
    )


def _block_row(block: Block, updated_at: datetime) -> dict[str, Any]:
    series = block.range.series
    return {
        "block_id": block.block_id,
        "serial": block.serial,
        "series": series.key,
        "origin": series.origin,
        "methodology": series.methodology,
        "vintage": series.vintage,
        "project": series.project,
        "first_unit": block.range.first,
        "last_unit": block.range.last,
        "partner": block.partner,
        "account": block.account,
        "state": str(block.state),
        "adjustment_ref": block.adjustment.reference,
        "adjustment_status": str(block.adjustment.status),
        "issued_at": block.issued_at,
        "parent_block_id": block.parent_block_id,
        "issuance_id": block.issuance_id,
        "delivered_at": block.delivered_at,
        "frozen": block.frozen,
        "updated_at": updated_at,
    }


class SqlAlchemyBlockRepository:
    def __init__(self, transaction: Transaction, clock: Callable[[], datetime]) -> None:
        self._tx = transaction
        self._clock = clock

    def add(self, blocks: Sequence[Block]) -> None:
        self._insert(blocks, self._clock())

    def _insert(self, blocks: Sequence[Block], at: datetime) -> None:
        if not blocks:
            return
        rows = [_block_row(block, at) for block in blocks]
        # The exclusion constraint (PostgreSQL) or trigger (SQLite) refuses an
        # overlap with a live block of the series: IntegrityError -> conflict.
        with self._tx.writing() as connection:
            for chunk in chunks(rows):
                connection.execute(insert(BlockRow), list(chunk))

    def _select(self, *where: ColumnElement[bool]) -> list[Block]:
        rows = self._tx.connection.execute(
            select(*BLOCK_COLUMNS).where(*where).order_by(BlockRow.serial)
        )
        return [block_from_row(row) for row in rows]

    def get_many(self, block_ids: Collection[str]) -> dict[str, Block]:
        found: dict[str, Block] = {}
        for chunk in chunks(sorted(set(block_ids))):
            found.update(
                (block.block_id, block) for block in self._select(BlockRow.block_id.in_(chunk))
            )
        return found

    def by_serial(self, serial: str) -> Block | None:
        found = self._select(BlockRow.serial == serial)
        return found[0] if found else None

    def transition(
        self,
        block_id: str,
        expected: Collection[BlockState],
        new: BlockState,
        at: datetime,
        *,
        require_unfrozen: bool = True,
    ) -> None:
        if not expected:
            raise self._tx.conflict(f"block {block_id}: no state to move from")
        conditions = [
            BlockRow.block_id == block_id,
            BlockRow.state.in_(sorted(str(state) for state in expected)),
        ]
        if require_unfrozen:
            conditions.append(BlockRow.frozen.is_(False))
        values: dict[str, Any] = {"state": str(new), "updated_at": at}
        if new is BlockState.DELIVERED:
            values["delivered_at"] = func.coalesce(
                BlockRow.delivered_at, literal(at, type_=UtcDateTime())
            )
        with self._tx.writing() as connection:
            result = connection.execute(update(BlockRow).where(*conditions).values(**values))
            self._tx.require_rows(
                result,
                1,
                f"block {block_id} is not in {sorted(expected)}"
                + (" or is frozen" if require_unfrozen else ""),
            )

    def split(self, parent: Block, head: Block, tail: Block, at: datetime) -> None:
        if not (
            head.range.series == parent.range.series == tail.range.series
            and head.range.first == parent.range.first
            and head.range.last + 1 == tail.range.first
            and tail.range.last == parent.range.last
        ):
            raise ValueError(f"{head.serial} and {tail.serial} do not partition {parent.serial}")
        # The parent leaves the live set first, so the children may take its units.
        self.transition(parent.block_id, {parent.state}, BlockState.SPLIT, at)
        self._insert([head, tail], at)

    def set_adjustment(self, partner: str, reference: str, status: AdjustmentStatus) -> list[Block]:
        where = (BlockRow.partner == partner, BlockRow.adjustment_ref == reference)
        with self._tx.writing() as connection:
            connection.execute(
                update(BlockRow)
                .where(*where)
                .values(adjustment_status=str(status), updated_at=self._clock())
            )
        return self._select(*where)

    def set_frozen(self, block_ids: Collection[str], frozen: bool) -> None:
        at = self._clock()
        with self._tx.writing() as connection:
            for chunk in chunks(sorted(set(block_ids))):
                connection.execute(
                    update(BlockRow)
                    .where(BlockRow.block_id.in_(chunk))
                    .values(frozen=frozen, updated_at=at)
                )

    def find(self, where: BlockFilter) -> list[Block]:
        conditions: list[ColumnElement[bool]] = []
        if where.partner is not None:
            conditions.append(BlockRow.partner == where.partner)
        if where.states is not None:
            conditions.append(BlockRow.state.in_(sorted(str(s) for s in where.states)))
        if where.delivered_only:
            conditions.append(BlockRow.delivered_at.is_not(None))
        if where.adjustment_ref is not None:
            conditions.append(BlockRow.adjustment_ref == where.adjustment_ref)
        return self._select(*conditions)

    def unit_totals(self, partner: str) -> dict[BlockState, tuple[int, int]]:
        """Only states the partner has blocks in appear."""
        rows = self._tx.connection.execute(
            select(
                BlockRow.state,
                func.count(),
                func.sum(BlockRow.last_unit - BlockRow.first_unit + 1),
            )
            .where(BlockRow.partner == partner, BlockRow.state != str(BlockState.SPLIT))
            .group_by(BlockRow.state)
        )
        return {BlockState(state): (int(count), int(units)) for state, count, units in rows}
