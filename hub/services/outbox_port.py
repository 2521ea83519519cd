"""The storage port of the outbox to the exchange (hub.storage.outbox_repository).

Block events (qualified, cancelled, frozen, unfrozen) appended in the
transaction that changed the block, read by the exchange by cursor in
commit order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from hub.domain.blocks import Block


class OutboxKind(StrEnum):
    QUALIFIED = "QUALIFIED"  # the block may go to the exchange (once per block)
    CANCELLED = "CANCELLED"
    FROZEN = "FROZEN"
    UNFROZEN = "UNFROZEN"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    cursor: int  # strictly increasing in commit order: a reader never skips one
    kind: OutboxKind
    block: Block  # the block as stored now
    reason: str
    at: datetime


class OutboxRepository(Protocol):
    def append(self, entries: Sequence[tuple[OutboxKind, str, str]], at: datetime) -> None:
        """Append (kind, block id, reason) events. A second QUALIFIED event for one
        block is refused (ConcurrentWriteConflict): a block qualifies once."""
        ...

    def read(self, after: int, limit: int) -> list[OutboxEntry]:
        """Committed events with cursor > ``after``, in cursor order."""
        ...

    def last_cursor(self) -> int: ...

    def qualified(self, block_ids: Collection[str]) -> set[str]:
        """Which of ``block_ids`` the exchange was offered (a QUALIFIED event)."""
        ...
