"""Which nodes of the transparency log are stored (hub.domain.tree_tiles):
checked against a tree written out node by node."""

from __future__ import annotations

import pytest

from hub.domain.merkle import Frontier
from hub.domain.tree_tiles import (
    TILE_WIDTH,
    dropped_when_grown,
    is_stored,
    tail_start,
    tile_of,
    tree_size,
)


def _every_node(size: int) -> list[tuple[int, int]]:
    frontier = Frontier()
    return [(n.level, n.index) for _ in range(size) for n in frontier.append(bytes(32))]


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 31, 32, 33, 70, 255, 256, 257])
def test_a_tree_stores_its_tiles_and_the_inside_of_its_last_one_only(size: int) -> None:
    stored = [node for node in _every_node(size) if is_stored(*node, size)]
    inside_complete = [(lv, i) for lv, i in stored if lv < 4 and i * 2**lv < size // 16 * 16]
    assert inside_complete == []
    tail = size % 16
    # The tail's leaves and its complete inner subtrees, plus one node per
    # complete tile and those above them.
    tail_nodes = sum(tail >> lv for lv in range(4))
    above = sum(size >> lv for lv in range(4, size.bit_length() + 1))
    assert len(stored) == tail_nodes + above
    assert (
        tree_size(
            max((i for lv, i in stored if lv == 0), default=None),
            max((i for lv, i in stored if lv == 4), default=None),
        )
        == size
    )


def test_tail_start_and_tile_of() -> None:
    assert [tail_start(n) for n in (0, 15, 16, 31, 32, 70)] == [0, 0, 16, 16, 32, 64]
    assert [tile_of(0, 17), tile_of(1, 8), tile_of(3, 3)] == [1, 1, 1]
    with pytest.raises(ValueError):
        tile_of(4, 0)


def test_what_growing_drops_is_the_old_tail_once_its_tile_is_complete() -> None:
    assert dropped_when_grown(20, 40) == (16, 32)
    assert dropped_when_grown(20, 32) == (16, 32)
    assert dropped_when_grown(20, 31) is None  # still the tail
    assert dropped_when_grown(16, 40) is None  # nothing stored inside tile 1 yet
    assert dropped_when_grown(0, 40) is None
    assert dropped_when_grown(5, 100) == (0, TILE_WIDTH)


def test_a_stored_tree_is_as_big_as_its_last_leaf_or_tile() -> None:
    assert tree_size(None, None) == 0
    assert tree_size(4, None) == 5
    assert tree_size(None, 1) == 32
    assert tree_size(35, 1) == 36
    assert tree_size(3, 1) == 32  # a leaf left inside a complete tile counts for nothing
