"""The outbox to the exchange in the database (hub.services.outbox_port).

Block events appended in the transaction that changed the block, numbered
from a single counter row so that cursor order is commit order (see
SqlAlchemyOutboxRepository.append), and read with the block as stored now.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update

from hub.services.outbox_port import OutboxEntry, OutboxKind
from hub.storage.block_repository import BLOCK_COLUMNS, block_from_row
from hub.storage.block_tables import BlockRow
from hub.storage.outbox_tables import OutboxCounterRow, OutboxRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyOutboxRepository"]


class SqlAlchemyOutboxRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def append(self, entries: Sequence[tuple[OutboxKind, str, str]], at: datetime) -> None:
        """Cursors come from the single outbox_counter row, advanced inside this
        transaction, and not from a sequence or autoincrement.

        A reader polls ``cursor > after``; it must never see cursor n + 1
        committed while n is still to come. A sequence hands out numbers at
        call time, so a transaction that drew n but commits after the one that
        drew n + 1 would be skipped. The counter row instead is locked by the
        UPDATE until this transaction ends (PostgreSQL row lock; SQLite writers
        are serialised by BEGIN IMMEDIATE anyway): the next appender waits
        there and, under READ COMMITTED, re-reads the committed value. Cursor
        order is therefore commit order. The price is that appenders queue on
        the row until they commit: append late in a unit of work.
        """
        if not entries:
            return
        with self._tx.writing() as connection:
            last = connection.execute(
                update(OutboxCounterRow)
                .where(OutboxCounterRow.id == 1)
                .values(last_cursor=OutboxCounterRow.last_cursor + len(entries))
                .returning(OutboxCounterRow.last_cursor)
            ).scalar_one()
            first = int(last) - len(entries) + 1
            rows = [
                {
                    "cursor": first + offset,
                    "kind": str(kind),
                    "block_id": block_id,
                    "reason": reason,
                    "at": at,
                }
                for offset, (kind, block_id, reason) in enumerate(entries)
            ]
            # The partial unique index refuses a second QUALIFIED of one block.
            for chunk in chunks(rows):
                connection.execute(insert(OutboxRow), list(chunk))

    def read(self, after: int, limit: int) -> list[OutboxEntry]:
        rows = self._tx.connection.execute(
            select(OutboxRow.cursor, OutboxRow.kind, OutboxRow.reason, OutboxRow.at, *BLOCK_COLUMNS)
            .join(BlockRow, BlockRow.block_id == OutboxRow.block_id)
            .where(OutboxRow.cursor > after)
            .order_by(OutboxRow.cursor)
            .limit(limit)
        )
        return [
            OutboxEntry(
                cursor=int(row.cursor),
                kind=OutboxKind(row.kind),
                block=block_from_row(row),
                reason=row.reason,
                at=row.at,
            )
            for row in rows
        ]

    def last_cursor(self) -> int:
        return int(
            self._tx.connection.execute(
                select(func.coalesce(func.max(OutboxRow.cursor), 0))
            ).scalar_one()
        )

    def qualified(self, block_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(sorted(set(block_ids))):
            rows = self._tx.connection.execute(
                select(OutboxRow.block_id).where(
                    OutboxRow.block_id.in_(chunk), OutboxRow.kind == str(OutboxKind.QUALIFIED)
                )
            )
            found.update(block_id for (block_id,) in rows)
        return found
