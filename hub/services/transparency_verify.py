"""``carbon-hub audit verify``'s walk of the transparency log: every audit
event against its chain link and the stored subtree hashes it completes,
the root at every signed tree head's size against the signed root, and a
consistency proof between each pair of successive tree heads.

Like the chain's walk, a page of events per short transaction. What it
names, beside what the chain already names:

* LEAF_MISMATCH: the event at a seq is missing, unreadable, out of place,
  no longer hashes as chained (only chained events enter the tree), or its
  leaf bytes do not hash to the tree's stored leaf (edited, removed,
  reordered);
* NODE_MISMATCH: a stored subtree hash is not the one of its leaves (the
  leaves inside a complete tile are not stored, hub.domain.tree_tiles: an
  event there rewritten with its chain recomputed shows as its tile's hash);
* TREE_HEAD_MISMATCH: the events up to a signed tree head's size do not hash
  to its root (a rewrite that also rewrote the stored tree);
* TREE_HEAD_FORGED: a tree head whose signature fails;
* TREE_TRUNCATED: the tree or a signed tree head covers more events than the
  log holds, or the stored tree is smaller than a signed tree head;
* TREE_HEADS_INCONSISTENT: the consistency proof between two signed heads,
  read from the stored tree, fails.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.audit_chain import ChainRow, link
from hub.domain.merkle import (
    CompleteNode,
    Frontier,
    leaf_hash,
    verify_consistency,
)
from hub.domain.tree_head import TreeHead, leaf_bytes
from hub.domain.tree_tiles import TILE_LEVEL, is_stored, tile_of
from hub.errors import HubError
from hub.services.transparency import TransparencyLog

__all__ = ["TreeProblem", "TreeProblemKind", "TreeReport", "verify_tree"]

DEFAULT_PAGE = 10_000


class TreeProblemKind(StrEnum):
    LEAF_MISMATCH = "LEAF_MISMATCH"
    NODE_MISMATCH = "NODE_MISMATCH"
    TREE_HEAD_MISMATCH = "TREE_HEAD_MISMATCH"
    TREE_HEAD_FORGED = "TREE_HEAD_FORGED"
    TREE_TRUNCATED = "TREE_TRUNCATED"
    TREE_HEADS_INCONSISTENT = "TREE_HEADS_INCONSISTENT"


@dataclass(frozen=True, slots=True)
class TreeProblem:
    kind: TreeProblemKind
    seq: int | None
    row_id: int | None
    subject: str | None
    message: str


@dataclass(frozen=True, slots=True)
class TreeReport:
    tree_size: int
    leaves_checked: int
    heads_checked: int
    root_hash: str | None
    problem: TreeProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _spans(first: int, end: int) -> list[tuple[int, int, int]]:
    """(level, lowest, highest index) of every node leaves [first, end) can complete."""
    return [(level, first >> level, (end - 1) >> level) for level in range(end.bit_length() + 1)]


class _Walk:
    def __init__(self, log: TransparencyLog, heads: list[TreeHead], size: int) -> None:
        self.log = log
        self.by_size = {head.tree_size: head for head in heads}
        self.size = size
        self.frontier = Frontier()
        self.heads_checked = 0

    def page(
        self, rows: list[ChainRow], stored: dict[tuple[int, int], bytes]
    ) -> TreeProblem | None:
        for row in rows:
            seq = self.frontier.size + 1
            data = leaf_bytes(row)
            subject = None if row.subject_kind is None else row.subject
            if data is None or row.seq != seq:
                return TreeProblem(
                    TreeProblemKind.LEAF_MISMATCH,
                    seq,
                    row.row_id,
                    subject,
                    f"the event at seq {seq} is missing, unreadable or out of place "
                    f"(the next row read has seq {row.seq}): removed, edited or reordered",
                )
            if seq <= self.size and (
                row.prev_hash is None or link(row.prev_hash, data) != row.hash
            ):
                # Only events found chained entered the tree (hub.services.
                # transparency), so one that is not was changed after: named
                # here, as the leaves of a complete tile are not stored.
                return TreeProblem(
                    TreeProblemKind.LEAF_MISMATCH,
                    seq,
                    row.row_id,
                    subject,
                    f"the event at seq {seq} no longer hashes as chained: edited after it "
                    "entered the tree",
                )
            for node in self.frontier.append(leaf_hash(data)):
                if seq <= self.size:
                    problem = self._node(node, stored, row, subject)
                    if problem is not None:
                        return problem
            head = self.by_size.get(seq)
            if head is not None:
                self.heads_checked += 1
                if self.frontier.root().hex() != head.root_hash:
                    return TreeProblem(
                        TreeProblemKind.TREE_HEAD_MISMATCH,
                        seq,
                        None,
                        None,
                        f"the first {seq} events do not hash to the root the tree head of "
                        f"size {seq} signed: an event up to seq {seq} was rewritten",
                    )
        return None

    def _node(
        self,
        node: CompleteNode,
        stored: dict[tuple[int, int], bytes],
        row: ChainRow,
        subject: str | None,
    ) -> TreeProblem | None:
        expected = stored.get((node.level, node.index))
        if expected == node.hash:
            return None
        if expected is None and node.level < TILE_LEVEL:
            tile = (TILE_LEVEL, tile_of(node.level, node.index))
            if not is_stored(node.level, node.index, self.size) or tile in stored:
                # Inside a complete tile (complete already, or completed by an
                # integrator since the walk read the size): its stored hash
                # is checked instead.
                return None
        if node.level == 0:
            return TreeProblem(
                TreeProblemKind.LEAF_MISMATCH,
                node.index + 1,
                row.row_id,
                subject,
                f"the event at seq {node.index + 1} does not hash to the tree's leaf "
                f"{node.index}: edited after it was logged",
            )
        width = 1 << node.level
        first = node.index * width
        return TreeProblem(
            TreeProblemKind.NODE_MISMATCH,
            first + 1,
            None,
            None,
            f"the stored hash of events {first + 1}..{first + width} (level {node.level}, "
            f"index {node.index}) is missing or not theirs: the tree (or those events, "
            "their chain recomputed) was edited",
        )


def verify_tree(log: TransparencyLog, page: int = DEFAULT_PAGE) -> TreeReport:
    with log.stores() as store:
        heads = store.tree_heads()
        size = store.size()
    walk = _Walk(log, heads, size)

    def report(problem: TreeProblem | None) -> TreeReport:
        root = walk.frontier.root().hex() if walk.frontier.size else None
        return TreeReport(size, walk.frontier.size, walk.heads_checked, root, problem)

    for head in heads:
        if not log.verifies(head):
            return report(
                TreeProblem(
                    TreeProblemKind.TREE_HEAD_FORGED,
                    head.tree_size,
                    None,
                    None,
                    f"the tree head of size {head.tree_size} does not carry a valid hub "
                    f"signature (key {head.key_id or '-'})",
                )
            )
    signed = max(walk.by_size, default=0)
    if size < signed:
        # The stored tree's size is read from its rows (hub.domain.tree_tiles):
        # rows removed from its end make it smaller, never a signed head.
        return report(
            TreeProblem(
                TreeProblemKind.TREE_TRUNCATED,
                size + 1,
                None,
                None,
                f"the stored tree holds {size} leaves; the tree head of size {signed} was "
                "signed: stored hashes were removed (a downgrade below migration 0030 "
                "removes the stored tree: `carbon-hub audit checkpoint` rebuilds it)",
            )
        )
    end = max(size, signed)
    while walk.frontier.size < end:
        first = walk.frontier.size
        with log.stores() as store:
            rows = store.rows(first, min(page, end - first))
            if not rows:
                break
            last = first + len(rows)
            stored = store.nodes_between(_spans(first, min(last, size))) if first < size else {}
        problem = walk.page(rows, stored)
        if problem is not None:
            return report(problem)
    if walk.frontier.size < end:
        return report(
            TreeProblem(
                TreeProblemKind.TREE_TRUNCATED,
                walk.frontier.size + 1,
                None,
                None,
                f"the tree (or a signed tree head) covers {end} events; the log holds "
                f"{walk.frontier.size}: truncated",
            )
        )
    return report(_consistent(log, sorted(heads, key=lambda h: h.tree_size)))


def _consistent(log: TransparencyLog, heads: list[TreeHead]) -> TreeProblem | None:
    for earlier, later in itertools.pairwise(heads):
        first, second = earlier.tree_size, later.tree_size
        try:
            proof = log.consistency(first, second).consistency_path
            ok = verify_consistency(
                first,
                second,
                bytes.fromhex(earlier.root_hash),
                bytes.fromhex(later.root_hash),
                proof,
            )
        except (HubError, ValueError):
            ok = False
        if not ok:
            return TreeProblem(
                TreeProblemKind.TREE_HEADS_INCONSISTENT,
                second,
                None,
                None,
                f"no consistency proof from the tree head of size {first} to the one of "
                f"size {second} verifies: the log was rewritten between them",
            )
    return None
