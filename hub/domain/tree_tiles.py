"""Which subtree hashes of the transparency log are stored (migration 0030).

The tree over the audit events is cut into **tiles** of ``TILE_WIDTH``
leaves (aligned ranges [t * 16, (t + 1) * 16)). Every node whose leaves
fill at least a whole tile (level >= ``TILE_LEVEL``) is stored; the nodes
inside a tile (its leaves and the levels between) are stored only while the
tile is the tree's last, incomplete one (its *tail*). Once a tile is
complete its inner nodes are dropped: they are the hashes of its sixteen
events, read and rehashed when a proof needs one, and checked against the
tile's stored hash before they are used.

Why: two stored nodes a leaf (the leaf and, on average, one above it) were a
sixteenth of the ledger's bytes, and every one of them is a hash of events
the log keeps anyway; stored from the tile level up they are one node per
eight leaves. The tail stays stored so that taking more leaves never needs
to read events already in the tree, and a tree smaller than a tile is
stored whole, as before.

Pure: no I/O. hub.services.transparency decides with these what to store,
what to drop and what to rehash; hub.storage.merkle_repository reads the
tree's size with ``tree_size``.
"""

from __future__ import annotations

__all__ = [
    "TILE_LEVEL",
    "TILE_WIDTH",
    "dropped_when_grown",
    "is_stored",
    "tail_start",
    "tile_of",
    "tree_size",
]

TILE_LEVEL = 4
TILE_WIDTH = 1 << TILE_LEVEL


def tail_start(size: int) -> int:
    """The first leaf of the tree's last, incomplete tile: ``size`` itself
    when every tile is complete."""
    return (size >> TILE_LEVEL) << TILE_LEVEL


def tile_of(level: int, index: int) -> int:
    """The tile holding node (level, index), for a node below the tile level."""
    if not 0 <= level < TILE_LEVEL:
        raise ValueError(f"a node of level {level} is not inside a tile")
    return index >> (TILE_LEVEL - level)


def is_stored(level: int, index: int, size: int) -> bool:
    """Whether node (level, index) of a tree of ``size`` leaves is kept in storage."""
    if level >= TILE_LEVEL:
        return True
    return (index << level) >= tail_start(size)


def dropped_when_grown(size: int, grown: int) -> tuple[int, int] | None:
    """The leaves [start, end) whose inner nodes are dropped when the tree
    grows from ``size`` to ``grown`` leaves: the old tail's, when its tile is
    complete now; None when nothing stored becomes droppable."""
    start = tail_start(size)
    if start == size or tail_start(grown) == start:
        return None
    return start, start + TILE_WIDTH


def tree_size(last_leaf: int | None, last_tile_node: int | None) -> int:
    """The size of a stored tree from the index of its last stored leaf and of
    its last stored node at the tile level (None: none stored)."""
    by_leaf = 0 if last_leaf is None else last_leaf + 1
    by_tile = 0 if last_tile_node is None else (last_tile_node + 1) << TILE_LEVEL
    return max(by_leaf, by_tile)
