"""The transparency log's storage port (hub.storage.merkle_repository implements it).

One TreeStore is one short database transaction: ``commit`` makes its
writes durable, leaving the ``with`` block without it rolls them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from hub.domain.audit_chain import ChainRow
from hub.domain.merkle import CompleteNode
from hub.domain.tree_head import TreeHead

__all__ = ["TreeStore", "TreeStoreFactory"]


class TreeStore(Protocol):
    def size(self) -> int:
        """How many leaves (audit events, from seq 1) the stored tree holds
        (hub.domain.tree_tiles.tree_size of its last leaf and tile node)."""
        ...

    def nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of the complete subtrees (level, index) asked for;
        one missing is left out."""
        ...

    def nodes_between(self, spans: Sequence[tuple[int, int, int]]) -> dict[tuple[int, int], bytes]:
        """Every stored node of each (level, lowest index, highest index) span."""
        ...

    def add_nodes(self, nodes: Sequence[CompleteNode]) -> None:
        """ConcurrentWriteConflict when one is stored already (another integrator)."""
        ...

    def drop_inner_nodes(self, start: int, end: int) -> None:
        """Remove the stored nodes below the tile level (hub.domain.tree_tiles)
        whose leaves lie in [start, end): a tile that is complete now."""
        ...

    def rows(self, after_seq: int, limit: int) -> list[ChainRow]:
        """The audit events after ``after_seq``, by seq, read as the verifier reads them."""
        ...

    def event_exists(self, seq: int) -> bool: ...

    def claim_event_seq(self, claim_id: str) -> int | None:
        """The seq of the first event about claim ``claim_id`` (its decision)."""
        ...

    def tree_heads(self) -> list[TreeHead]:
        """By size; unreadable values read as ones no signature covers."""
        ...

    def tree_head(self, tree_size: int) -> TreeHead | None: ...

    def last_tree_head(self) -> TreeHead | None: ...

    def add_tree_head(self, head: TreeHead) -> None:
        """ConcurrentWriteConflict when a head of that size is stored already."""
        ...

    def commit(self) -> None: ...


class TreeStoreFactory(Protocol):
    def __call__(self) -> AbstractContextManager[TreeStore]: ...
