"""The port to which blocks were announced frozen for an overdue inventory
exclusion (hub.storage.exclusion_freeze_repository)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class ExclusionFreezeRepository(Protocol):
    """Which blocks the exchange was told are frozen because their inventory
    exclusion was not COMPLETED in time; each change returns the block ids it
    changed, once, even with two hub processes sweeping at once."""

    def freeze(self, partner: str, reference: str) -> list[str]:
        """Mark the reference's ISSUED and DELIVERED blocks; the ids newly marked."""
        ...

    def thaw(self, partner: str, reference: str) -> list[str]:
        """Clear the mark; the ids that had it."""
        ...

    def marked(self, block_ids: Collection[str]) -> set[str]:
        """Which of ``block_ids`` carry the mark now."""
        ...
