"""The leaves a checkpoint's walk has already hashed, carried to the integrator.

Signing a checkpoint walks the events since the previous one and recomputes
each event's canonical bytes to check its hash; integrating them into the
transparency log then read the same events again, decoded them and
recomputed the same bytes to hash them as leaves: half of what the two
cost a claim together (docs/ingestion-profile.md, "Fifteenth round").
``CheckedLeaves`` keeps the leaf hash of every event the walk found
chained, in seq order, so the integrator can append exactly the events the
checkpoint covers without reading them. Nothing is weaker for it: these
are the very rows the checkpoint vouches for, read once.

At most ``limit`` leaves, 32 bytes each in one buffer; a walk longer than
that (the first checkpoint of a large ledger) keeps none, and the
integrator reads the events as before.
"""

from __future__ import annotations

from hub.domain.merkle import HASH_SIZE, leaf_hash

__all__ = ["CARRIED_LEAVES", "CheckedLeaves"]

# 16 MiB of hashes: a minute of claims at several thousand a second.
CARRIED_LEAVES = 500_000


class CheckedLeaves:
    """Leaf hashes of the events after seq ``after``, added in seq order."""

    def __init__(self, after: int, limit: int = CARRIED_LEAVES) -> None:
        self.after = after
        # The chain's hash at ``up_to`` once the walk vouched for it (set by
        # whoever ran the walk): the leaves go with that head and no other.
        self.head_hash: str | None = None
        self._limit = limit
        self._next = after + 1
        self._hashes: bytearray | None = bytearray()

    def add(self, seq: int, canonical: bytes) -> None:
        """The event at ``seq`` hashes as chained with these bytes. Out of
        order (a walk that went back) or past the limit: keep none."""
        if self._hashes is None:
            return
        if seq != self._next or self._next - self.after > self._limit:
            self._hashes = None
            return
        self._hashes += leaf_hash(canonical)
        self._next += 1

    @property
    def up_to(self) -> int | None:
        """The seq of the last leaf held; None when none are kept."""
        return None if self._hashes is None or self._next == self.after + 1 else self._next - 1

    def between(self, after: int, up_to: int) -> list[bytes] | None:
        """The leaf hashes of the events after ``after`` up to ``up_to``, in seq
        order; None unless every one of them is held."""
        if self._hashes is None or not self.after <= after < up_to < self._next:
            return None
        held = self._hashes
        return [
            bytes(held[i : i + HASH_SIZE])
            for i in range(
                (after - self.after) * HASH_SIZE, (up_to - self.after) * HASH_SIZE, HASH_SIZE
            )
        ]
