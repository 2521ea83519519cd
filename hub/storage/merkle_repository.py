"""The transparency log in SQL (hub.storage.merkle_tables): implements
hub.services.transparency_port.TreeStore over one short transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from hub.domain.audit_chain import ChainRow
from hub.domain.merkle import CompleteNode
from hub.domain.tree_head import TreeHead
from hub.domain.tree_tiles import TILE_LEVEL, tree_size
from hub.services.transparency_port import TreeStore
from hub.storage.audit_repository import SqlAlchemyAuditRepository, decode_instant
from hub.storage.audit_tables import LedgerEventRow
from hub.storage.event_subject_column import CLAIM, subject_form
from hub.storage.merkle_tables import MerkleNodeRow, TreeHeadRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyTreeStore", "SqlAlchemyTreeStores"]

_UNSIGNABLE_INSTANT = datetime.min.replace(tzinfo=UTC)
_HEAD_COLUMNS = (
    type_coerce(TreeHeadRow.tree_size, NullType()).label("tree_size"),
    type_coerce(TreeHeadRow.root_hash, NullType()).label("root_hash"),
    type_coerce(TreeHeadRow.at, NullType()).label("at"),
    type_coerce(TreeHeadRow.key_id, NullType()).label("key_id"),
    type_coerce(TreeHeadRow.signature, NullType()).label("signature"),
)


def _head_of(row: Any) -> TreeHead:
    """Lenient like the audit log's reads: an edited value reads as one no
    signature covers, so the head is reported forged, never a crash."""
    size = row.tree_size
    signature = row.signature
    return TreeHead(
        tree_size=size if isinstance(size, int) and not isinstance(size, bool) else -1,
        root_hash=row.root_hash if isinstance(row.root_hash, str) else "",
        at=decode_instant(row.at) or _UNSIGNABLE_INSTANT,
        key_id=row.key_id if isinstance(row.key_id, str) else "",
        signature=bytes(signature) if isinstance(signature, bytes | memoryview) else b"",
    )


def _within(spans: Sequence[tuple[int, int, int]]) -> ColumnElement[bool]:
    """The nodes (level, lo <= index <= hi) of each span."""
    return or_(
        *(
            and_(MerkleNodeRow.level == level, MerkleNodeRow.idx.between(lo, hi))
            for level, lo, hi in spans
        )
    )


class SqlAlchemyTreeStore:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction
        self._audit = SqlAlchemyAuditRepository(transaction)

    def size(self) -> int:
        def last(level: int) -> int | None:
            top = self._tx.connection.execute(
                select(func.max(MerkleNodeRow.idx)).where(MerkleNodeRow.level == level)
            ).scalar_one_or_none()
            return None if top is None else int(top)

        return tree_size(last(0), last(TILE_LEVEL))

    def nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        # One statement for every level a proof touches (about twenty nodes),
        # not one per level: the statements, not the rows, were a proof's cost.
        found: dict[tuple[int, int], bytes] = {}
        for chunk in chunks(sorted(set(wanted)), 500):
            by_level: dict[int, list[int]] = {}
            for level, index in chunk:
                by_level.setdefault(level, []).append(index)
            found.update(
                self._read(
                    or_(
                        *(
                            and_(MerkleNodeRow.level == level, MerkleNodeRow.idx.in_(indexes))
                            for level, indexes in by_level.items()
                        )
                    )
                )
            )
        return found

    def nodes_between(self, spans: Sequence[tuple[int, int, int]]) -> dict[tuple[int, int], bytes]:
        """Every stored node (level, lo <= index <= hi) for each span: the
        verifier's read of a page's nodes in one statement."""
        return self._read(_within(spans)) if spans else {}

    def _read(self, condition: ColumnElement[bool]) -> dict[tuple[int, int], bytes]:
        rows = self._tx.connection.execute(
            select(
                MerkleNodeRow.level, MerkleNodeRow.idx, type_coerce(MerkleNodeRow.hash, NullType())
            ).where(condition)
        )
        return {
            (int(level), int(index)): bytes(digest)
            if isinstance(digest, bytes | memoryview)
            else b""
            for level, index, digest in rows
        }

    def add_nodes(self, nodes: Sequence[CompleteNode]) -> None:
        if not nodes:
            return
        with self._tx.writing() as connection:
            for chunk in chunks(nodes):
                connection.execute(
                    insert(MerkleNodeRow),
                    [{"level": n.level, "idx": n.index, "hash": n.hash} for n in chunk],
                )

    def drop_inner_nodes(self, start: int, end: int) -> None:
        spans = [(level, start >> level, (end - 1) >> level) for level in range(TILE_LEVEL)]
        with self._tx.writing() as connection:
            connection.execute(delete(MerkleNodeRow).where(_within(spans)))

    def rows(self, after_seq: int, limit: int) -> list[ChainRow]:
        return self._audit.rows(after_seq, limit)

    def event_exists(self, seq: int) -> bool:
        found = self._tx.connection.execute(
            select(LedgerEventRow.seq).where(LedgerEventRow.seq == seq).limit(1)
        ).first()
        return found is not None

    def claim_event_seq(self, claim_id: str) -> int | None:
        seq = self._tx.connection.execute(
            select(func.min(LedgerEventRow.seq)).where(
                LedgerEventRow.subject_kind == CLAIM,
                LedgerEventRow.subject_id == subject_form(CLAIM, claim_id),
            )
        ).scalar_one_or_none()
        return None if seq is None else int(seq)

    def tree_heads(self) -> list[TreeHead]:
        rows = self._tx.connection.execute(select(*_HEAD_COLUMNS).order_by(TreeHeadRow.tree_size))
        return [_head_of(row) for row in rows]

    def tree_head(self, tree_size: int) -> TreeHead | None:
        row = self._tx.connection.execute(
            select(*_HEAD_COLUMNS).where(TreeHeadRow.tree_size == tree_size)
        ).one_or_none()
        return None if row is None else _head_of(row)

    def last_tree_head(self) -> TreeHead | None:
        row = self._tx.connection.execute(
            select(*_HEAD_COLUMNS).order_by(TreeHeadRow.tree_size.desc()).limit(1)
        ).one_or_none()
        return None if row is None else _head_of(row)

    def add_tree_head(self, head: TreeHead) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(TreeHeadRow),
                [
                    {
                        "tree_size": head.tree_size,
                        "root_hash": head.root_hash,
                        "at": head.at,
                        "key_id": head.key_id,
                        "signature": head.signature,
                    }
                ],
            )

    def commit(self) -> None:
        with self._tx.writing() as connection:
            connection.commit()


class SqlAlchemyTreeStores:
    """Implements hub.services.transparency_port.TreeStoreFactory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def __call__(self) -> Iterator[TreeStore]:
        tx = Transaction(self.engine)
        tx.open()
        try:
            yield SqlAlchemyTreeStore(tx)
        finally:
            tx.close()
