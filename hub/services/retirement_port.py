"""The storage port of retirements (hub.storage.retirement_repository).

A retirement of a block's units, at most once per id, and what an ETS entity
already retired for offsetting in a compliance year (a versioned row).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from hub.domain.retirements import Retirement


class RetirementRepository(Protocol):
    def get(self, retirement_id: str) -> Retirement | None: ...

    def add(self, retirement: Retirement) -> None:
        """Refuses a second retirement with the same id: ConcurrentWriteConflict."""
        ...

    def offset_usage(self, entity: str, year: int) -> OffsetUsage: ...

    def save_offset_usage(self, usage: OffsetUsage) -> None:
        """Store with ``usage.version``: 1 inserts, n > 1 updates the row at n - 1;
        anything else raises ConcurrentWriteConflict."""
        ...

    def for_blocks(self, block_ids: Collection[str]) -> dict[str, list[Retirement]]:
        """Retirements whose retired block is among ``block_ids``."""
        ...


@dataclass(frozen=True, slots=True)
class OffsetUsage:
    """Units an ETS entity already retired for offsetting in one compliance year."""

    entity: str
    year: int
    units_by_origin: Mapping[str, int]
    version: int  # 0: never stored

    @property
    def units(self) -> int:
        return sum(self.units_by_origin.values())
