"""The transparency log over the audit events: integrate, sign tree heads,
answer inclusion and consistency proofs (RFC 9162; docs/transparency-log.md).

Every audit event is a leaf of one append-only Merkle tree, in seq order
(leaf index = seq - 1), its leaf bytes the event's canonical bytes. One
integrator at a time (the periodic checkpointer of ``carbon-hub serve``, or
``carbon-hub audit checkpoint``) adds the leaves of the events a signed
checkpoint already covers, so only a chain checked before signing enters the
tree; it stores the hash of every complete subtree the new leaves complete
(from the tile level up, and inside the last, incomplete tile:
hub.domain.tree_tiles), a page of events per short transaction. Several hub
processes may try at once: the nodes' primary key lets one win, the others
step back.

Then it signs a tree head (size, root, time) when the tree grew. A proof is
read from the stored subtree hashes (at most two per level), never by
rehashing the log, except inside one complete tile: its inner nodes are not
stored, so a proof that needs one rehashes that tile's sixteen events and
uses them only when they hash to the tile's stored hash.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from hub.domain.audit_chain import ChainRow, link
from hub.domain.checked_leaves import CheckedLeaves
from hub.domain.merkle import (
    Frontier,
    Subtree,
    consistency_proof,
    frontier_ranges,
    inclusion_proof,
    leaf_hash,
    range_hash,
    subtree_of,
    subtrees_needed,
)
from hub.domain.tree_head import (
    TreeHead,
    leaf_bytes,
    published_tree_head,
    tree_head_statement,
)
from hub.domain.tree_tiles import (
    TILE_LEVEL,
    TILE_WIDTH,
    dropped_when_grown,
    is_stored,
    tile_of,
)
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.clock import Clock
from hub.services.transparency_port import TreeStore, TreeStoreFactory
from hub.services.unit_of_work import ConcurrentWriteConflict

__all__ = [
    "ConsistencyAnswer",
    "InclusionAnswer",
    "TransparencyLog",
    "TreeHeadSigner",
    "TreeHeadVerifier",
    "published_consistency",
    "published_inclusion",
]

log = logging.getLogger(__name__)
DEFAULT_PAGE = 5_000


class TreeHeadSigner(Protocol):
    def __call__(self, statement: bytes) -> tuple[str, bytes]:
        """(key id, signature) of a tree head statement."""
        ...


class TreeHeadVerifier(Protocol):
    def __call__(self, key_id: str, statement: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class InclusionAnswer:
    seq: int
    leaf_hash: bytes
    event: bytes | None  # the leaf bytes, when asked by the claim's id
    audit_path: list[bytes]
    tree_head: TreeHead

    @property
    def leaf_index(self) -> int:
        return self.seq - 1


@dataclass(frozen=True, slots=True)
class ConsistencyAnswer:
    first: TreeHead
    second: TreeHead
    consistency_path: list[bytes]


def stored_subtrees(store: TreeStore, compute_ranges: set[tuple[int, int]], size: int) -> Subtree:
    """A Subtree over the nodes of ``compute_ranges`` in the stored tree of
    ``size`` leaves, read at once. A node inside a complete tile is not stored
    (hub.domain.tree_tiles): its tile's events are read and rehashed, and used
    only when they hash to the tile's stored hash. One missing means the tree
    lost a node: never answered with a guess."""
    wanted = {subtree_of(start, end): (start, end) for start, end in compute_ranges}
    inner = {node for node in wanted if not is_stored(*node, size)}
    tiles = {tile_of(*node) for node in inner}
    found = store.nodes((set(wanted) - inner) | {(TILE_LEVEL, tile) for tile in tiles})
    # A node of the tail gone since ``size`` was read: another integrator
    # completed its tile (and dropped its inside) in between, which a
    # PostgreSQL read committed sees. Its tile's hash is stored now.
    late = {tile_of(*n) for n in wanted if n[0] < TILE_LEVEL and n not in found} - tiles
    if late:
        found.update(store.nodes({(TILE_LEVEL, tile) for tile in late}))
    for tile in sorted(tiles | late):
        found.update(_rehashed_tile(store, tile, found.get((TILE_LEVEL, tile))))
    missing = sorted(wanted[node] for node in wanted if node not in found)
    if missing:
        start, end = missing[0]
        raise FailedPrecondition(
            "TRANSPARENCY_TREE_INCOMPLETE",
            f"the stored tree lacks the hash of leaves {start}..{end - 1}: run "
            "`carbon-hub audit verify`",
            {"start": str(start), "end": str(end)},
        )

    def subtree(start: int, end: int) -> bytes:
        return found[subtree_of(start, end)]

    return subtree


def _rehashed_tile(
    store: TreeStore, tile: int, stored: bytes | None
) -> dict[tuple[int, int], bytes]:
    """The nodes inside complete tile ``tile``, rehashed from its events, when
    they hash to the tile's stored hash; nothing when that hash is not stored
    (the caller names the missing node)."""
    if stored is None:
        return {}
    first = tile * TILE_WIDTH
    rows = store.rows(first, TILE_WIDTH)
    frontier = Frontier()
    nodes: dict[tuple[int, int], bytes] = {}
    for seq, row in enumerate(rows, start=first + 1):
        data = leaf_bytes(row)
        if data is None or row.seq != seq:
            break
        for node in frontier.append(leaf_hash(data)):
            nodes[(node.level, node.index + tile * (TILE_WIDTH >> node.level))] = node.hash
    if nodes.get((TILE_LEVEL, tile)) != stored:
        raise FailedPrecondition(
            "TRANSPARENCY_EVENTS_ALTERED",
            f"the audit events at seq {first + 1}..{first + TILE_WIDTH} and the tree's "
            "stored hash of them no longer agree (one or the other was changed): run "
            "`carbon-hub audit verify`",
            {"first_seq": str(first + 1), "last_seq": str(first + TILE_WIDTH)},
        )
    return nodes


def frontier_from_store(store: TreeStore, size: int) -> Frontier:
    """The stored tree of ``size`` leaves, ready to take more."""
    ranges = frontier_ranges(size)
    subtree = stored_subtrees(store, set(ranges), size)
    return Frontier(size, [subtree(start, end) for start, end in ranges])


def root_from_store(store: TreeStore, size: int) -> bytes:
    ranges = set(frontier_ranges(size))
    return range_hash(0, size, stored_subtrees(store, ranges, size))


def _chain_broken(seq: int) -> FailedPrecondition:
    return FailedPrecondition(
        "AUDIT_CHAIN_BROKEN",
        f"not integrating: the audit event at seq {seq} is missing or does not hash "
        "as chained; run `carbon-hub audit verify`",
        {"seq": str(seq)},
    )


def _links_to(following: ChainRow, row: ChainRow) -> bool:
    """Whether ``following`` is the event right after ``row`` and hashes as
    chained to ``row``'s stored hash."""
    data = leaf_bytes(following)
    return (
        data is not None
        and row.seq is not None
        and following.seq == row.seq + 1
        and row.hash is not None
        and following.prev_hash == row.hash
        and link(row.hash, data) == following.hash
    )


def _read_leaves(
    store: TreeStore, size: int, count: int, up_to_seq: int, head_hash: str
) -> list[bytes]:
    """The leaf hashes of the ``count`` events after seq ``size``, read from
    the store, each checked to hash as chained to the one before it, and the
    page's last held to what follows it: the next event's link, or at
    ``up_to_seq`` the checkpoint's hash ``head_hash``."""
    end = size + count
    # The row after the page when the checkpoint covers it: its link vouches
    # for the page's last row.
    rows = store.rows(size, count + 1 if end < up_to_seq else count)
    leaves: list[bytes] = []
    for seq, row in enumerate(rows[:count], start=size + 1):
        data = leaf_bytes(row)
        if (
            data is None
            or row.seq != seq
            or row.prev_hash is None
            or link(row.prev_hash, data) != row.hash
        ):
            raise _chain_broken(seq)
        leaves.append(leaf_hash(data))
    if len(rows) < count:  # an event the checkpoint covers is gone
        raise _chain_broken(size + len(rows) + 1)
    last = rows[count - 1]
    if end < up_to_seq:
        if len(rows) <= count or not _links_to(rows[count], last):
            raise _chain_broken(end + 1)
    elif last.hash != head_hash:
        raise _chain_broken(end)
    return leaves


class TransparencyLog:
    def __init__(
        self,
        stores: TreeStoreFactory,
        clock: Clock,
        signer: TreeHeadSigner | None,
        verifier: TreeHeadVerifier,
        known_keys: Collection[str] | None = None,
    ) -> None:
        self._stores = stores
        self._clock = clock
        self._signer = signer
        self.verifies_signature = verifier
        self.known_keys = None if known_keys is None else frozenset(known_keys)

    @property
    def stores(self) -> TreeStoreFactory:
        return self._stores

    def verifies(self, head: TreeHead) -> bool:
        return self.verifies_signature(head.key_id, head.statement(), head.signature)

    # --- integration -----------------------------------------------------------

    def integrate(
        self,
        up_to_seq: int,
        head_hash: str,
        page: int = DEFAULT_PAGE,
        checked: CheckedLeaves | None = None,
    ) -> int:
        """Add the events up to seq ``up_to_seq`` as leaves, the chain's hash
        there being ``head_hash`` (a signed checkpoint's); the tree's size
        after. Another process integrating the same leaves makes this one stop
        where it is (it will pick up next time).

        Each event must hash as chained to the one before it, and a page's last
        event is held to what comes after it before the page goes in: the next
        event's link to it, or at ``up_to_seq`` the checkpoint's hash. An event
        edited after the checkpoint with its hash recomputed thus never enters
        the tree, wherever the pages end.

        ``checked``: the leaves of the events the checkpoint at ``up_to_seq``
        (``head_hash``) was signed over, as the walk before signing hashed
        them (it found them chained up to that head): a page they hold goes
        in without reading its events again; any other is read as above."""
        if checked is not None and (checked.up_to, checked.head_hash) != (up_to_seq, head_hash):
            checked = None
        while True:
            with self._stores() as store:
                size = store.size()
                if size >= up_to_seq:
                    return size
                frontier = frontier_from_store(store, size)
                count = min(page, up_to_seq - size)
                end = size + count
                leaves = None if checked is None else checked.between(size, end)
                if leaves is None:
                    leaves = _read_leaves(store, size, count, up_to_seq, head_hash)
                made = [node for leaf in leaves for node in frontier.append(leaf)]
                dropped = dropped_when_grown(size, end)
                try:
                    store.add_nodes([n for n in made if is_stored(n.level, n.index, end)])
                    if dropped is not None:
                        store.drop_inner_nodes(*dropped)
                    store.commit()
                except ConcurrentWriteConflict:
                    return size  # another integrator got these leaves first

    def sign(self) -> TreeHead | None:
        """Sign a tree head of the whole stored tree if it grew since the last one."""
        if self._signer is None:
            raise FailedPrecondition(
                "AUDIT_SIGNING_KEY_MISSING", "this hub has no signing key to sign tree heads with"
            )
        with self._stores() as store:
            size = store.size()
            last = store.last_tree_head()
            if size == 0 or (last is not None and last.tree_size >= size):
                return None
            root = root_from_store(store, size).hex()
        at = self._clock()
        key_id, signature = self._signer(tree_head_statement(size, root, at))
        head = TreeHead(size, root, at, key_id, signature)
        try:
            with self._stores() as store:
                store.add_tree_head(head)
                store.commit()
        except ConcurrentWriteConflict:
            return None  # another hub process signed this size first
        return head

    def integrate_and_sign(
        self, up_to_seq: int, head_hash: str, checked: CheckedLeaves | None = None
    ) -> TreeHead | None:
        self.integrate(up_to_seq, head_hash, checked=checked)
        head = self.sign()
        if head is not None:
            log.info("tree head of %s events: %s", head.tree_size, head.root_hash)
        return head

    # --- answers -------------------------------------------------------------

    def latest(self) -> TreeHead:
        with self._stores() as store:
            head = store.last_tree_head()
        if head is None:
            raise NotFound("TRANSPARENCY_NO_TREE_HEAD", "the hub has not signed a tree head yet")
        return head

    def _head(self, store: TreeStore, tree_size: int | None) -> TreeHead:
        last = store.last_tree_head()
        if last is None:
            raise NotFound("TRANSPARENCY_NO_TREE_HEAD", "the hub has not signed a tree head yet")
        if tree_size is None:
            return last
        if tree_size < 1:
            raise InvalidRequest(
                "TRANSPARENCY_RANGE_INVALID",
                "a tree size is a whole number from 1",
                {"tree_size": str(tree_size)},
            )
        if tree_size > last.tree_size:
            raise NotFound(
                "TRANSPARENCY_TREE_SIZE_BEYOND_HEAD",
                f"the latest signed tree head covers {last.tree_size} events, not {tree_size}",
                {"tree_size": str(tree_size), "latest": str(last.tree_size)},
            )
        head = store.tree_head(tree_size)
        if head is None:
            raise NotFound(
                "TRANSPARENCY_TREE_HEAD_UNKNOWN",
                f"no tree head of size {tree_size} was signed; ask for the latest "
                "and a consistency proof",
                {"tree_size": str(tree_size)},
            )
        return head

    def tree_head(self, tree_size: int | None = None) -> TreeHead:
        with self._stores() as store:
            return self._head(store, tree_size)

    def inclusion(
        self, *, seq: int | None = None, claim_id: str | None = None, tree_size: int | None = None
    ) -> InclusionAnswer:
        """The audit path of event ``seq`` (or claim ``claim_id``'s first event,
        with its leaf bytes) in the signed tree head of ``tree_size`` (default:
        the latest)."""
        with self._stores() as store:
            head = self._head(store, tree_size)
            if claim_id is not None:
                found = store.claim_event_seq(claim_id)
                if found is None:
                    raise NotFound(
                        "TRANSPARENCY_EVENT_UNKNOWN",
                        "no audit event names that claim",
                        {"claim": claim_id[:200]},
                    )
                seq = found
            if seq is None or seq < 1:
                raise InvalidRequest(
                    "TRANSPARENCY_RANGE_INVALID", "an event is its seq, a whole number from 1"
                )
            if seq > head.tree_size:
                if not store.event_exists(seq):
                    raise NotFound(
                        "TRANSPARENCY_EVENT_UNKNOWN",
                        f"no audit event has seq {seq}",
                        {"seq": str(seq)},
                    )
                raise NotFound(
                    "TRANSPARENCY_EVENT_NOT_YET_IN_TREE",
                    f"event {seq} is not in the tree head of {head.tree_size} events yet; "
                    "ask again after the next tree head",
                    {"seq": str(seq), "tree_size": str(head.tree_size)},
                )
            index, size = seq - 1, head.tree_size
            subtree = stored_subtrees(
                store,
                subtrees_needed(lambda s: inclusion_proof(index, size, s)) | {(index, seq)},
                store.size(),
            )
            path = inclusion_proof(index, size, subtree)
            event = None
            if claim_id is not None:
                rows = store.rows(seq - 1, 1)
                event = leaf_bytes(rows[0]) if rows and rows[0].seq == seq else None
        return InclusionAnswer(seq, subtree(index, seq), event, path, head)

    def consistency(self, first: int, second: int) -> ConsistencyAnswer:
        """The consistency path between the signed tree heads of sizes ``first`` and ``second``."""
        if first < 1 or first > second:
            raise InvalidRequest(
                "TRANSPARENCY_RANGE_INVALID",
                "ask for 1 <= first <= second",
                {"first": str(first), "second": str(second)},
            )
        with self._stores() as store:
            later = self._head(store, second)
            earlier = self._head(store, first)
            subtree = stored_subtrees(
                store,
                subtrees_needed(lambda s: consistency_proof(first, second, s)),
                store.size(),
            )
            path = consistency_proof(first, second, subtree)
        return ConsistencyAnswer(earlier, later, path)


def published_inclusion(answer: InclusionAnswer) -> dict[str, Any]:
    """The JSON of an inclusion proof, as the HTTP API and `audit prove` give it."""
    return {
        "leaf_index": answer.leaf_index,
        "seq": answer.seq,
        "leaf_hash": answer.leaf_hash.hex(),
        "event": None if answer.event is None else answer.event.decode("utf-8", "replace"),
        "audit_path": [h.hex() for h in answer.audit_path],
        "tree_head": published_tree_head(answer.tree_head),
    }


def published_consistency(answer: ConsistencyAnswer) -> dict[str, Any]:
    """The JSON of a consistency proof, as the HTTP API and `audit consistency` give it."""
    return {
        "first": answer.first.tree_size,
        "second": answer.second.tree_size,
        "consistency_path": [h.hex() for h in answer.consistency_path],
        "first_tree_head": published_tree_head(answer.first),
        "second_tree_head": published_tree_head(answer.second),
    }
