"""Merkle tree hashing and proofs exactly as RFC 9162 section 2.1 (the RFC 6962
tree of Certificate Transparency): pure, hashlib only.

    leaf hash  = SHA-256(0x00 || leaf bytes)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

The hub's transparency log stores the hashes of complete subtrees (an aligned
range [start, end) whose length is a power of two): every hash a proof needs
is one of them, or the hash of a range folded from them (``range_hash``). So
proof generation here takes a ``Subtree`` callable, the stored hash of one
complete subtree, and never needs the whole tree in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompleteNode",
    "Frontier",
    "Subtree",
    "consistency_proof",
    "frontier_ranges",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root_of",
    "subtree_of",
    "subtrees_needed",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# The hash of the complete subtree covering leaves [start, end).
Subtree = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_of(start: int, end: int) -> tuple[int, int]:
    """(level, index) of the complete subtree [start, end): level 0 are leaves."""
    width = end - start
    if width < 1 or width & (width - 1) or start % width:
        raise ValueError(f"[{start}, {end}) is not a complete subtree")
    return width.bit_length() - 1, start // width


def range_hash(start: int, end: int, subtree: Subtree) -> bytes:
    """MTH(D[start:end]) for a range the RFC's recursion visits (``start`` a
    multiple of the largest power of two below ``end - start``)."""
    width = end - start
    if width < 1:
        raise ValueError("an empty range has no subtree hash")
    if width & (width - 1) == 0:
        return subtree(start, end)
    k = _split(width)
    return node_hash(subtree(start, start + k), range_hash(start + k, end, subtree))


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole sequence of leaf hashes (for tests and small trees)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 2.1.3.1), nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    proof: list[bytes] = []
    start, end = 0, size
    # Walk down from the root, collecting the siblings top-down; reversed at the end.
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            proof.append(range_hash(start + k, end, subtree))
            end = start + k
        else:
            proof.append(range_hash(start, start + k, subtree))
            start += k
    proof.reverse()
    return proof


def consistency_proof(first: int, second: int, subtree: Subtree) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 2.1.4.1); empty when the sizes are equal."""
    if not 1 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    proof: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    while True:
        width = end - start
        if m == width:
            if not complete:
                proof.append(range_hash(start, end, subtree))
            break
        k = _split(width)
        if m <= k:
            proof.append(range_hash(start + k, end, subtree))
            end = start + k
        else:
            proof.append(range_hash(start, start + k, subtree))
            start, m, complete = start + k, m - k, False
    proof.reverse()
    return proof


def subtrees_needed(compute: Callable[[Subtree], object]) -> set[tuple[int, int]]:
    """The complete subtrees ``compute`` asks for: which ranges do not depend
    on the hashes, so storage fetches them all in one read first."""
    asked: set[tuple[int, int]] = set()

    def record(start: int, end: int) -> bytes:
        asked.add((start, end))
        return bytes(HASH_SIZE)

    compute(record)
    return asked


def _valid(hashes: Iterable[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` lead from leaf hash ``leaf`` at ``index`` to ``root``?"""
    if not 0 <= index < size or not _valid([leaf, root, *proof]):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree of ``second`` leaves an extension of the one of ``first``?"""
    if not 0 <= first <= second or not _valid([first_root, second_root, *proof]):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def frontier_ranges(size: int) -> list[tuple[int, int]]:
    """The complete subtrees [start, end) that [0, size) splits into, largest
    first: what a tree of ``size`` leaves needs to take more leaves."""
    ranges = []
    start = 0
    for bit in reversed(range(size.bit_length())):
        width = 1 << bit
        if size & width:
            ranges.append((start, start + width))
            start += width
    return ranges


@dataclass(frozen=True, slots=True)
class CompleteNode:
    """A complete subtree's hash: ``level`` 0 is a leaf, ``index`` counts from the left."""

    level: int
    index: int
    hash: bytes


class Frontier:
    """A tree grown leaf by leaf keeping only its frontier (one hash per level):
    ``append`` returns every complete subtree the new leaf completes."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """Resume at ``size`` leaves from the hashes of ``frontier_ranges(size)``."""
        ranges = frontier_ranges(size)
        if len(ranges) != len(hashes):
            raise ValueError(f"a tree of {size} leaves has {len(ranges)} frontier hashes")
        self._size = size
        self._stack = [
            CompleteNode(*subtree_of(start, end), h)
            for (start, end), h in zip(ranges, hashes, strict=True)
        ]

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> list[CompleteNode]:
        node = CompleteNode(0, self._size, leaf)
        made = [node]
        while self._stack and self._stack[-1].level == node.level:
            left = self._stack.pop()
            node = CompleteNode(node.level + 1, left.index // 2, node_hash(left.hash, node.hash))
            made.append(node)
        self._stack.append(node)
        self._size += 1
        return made

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        r = self._stack[-1].hash
        for node in reversed(self._stack[:-1]):
            r = node_hash(node.hash, r)
        return r
