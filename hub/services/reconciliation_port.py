"""The storage port of reconciliations (hub.storage.reconciliation_repository).

A reconciliation requested of a partner or the exchange, its outcome and
the discrepancies it found; a discrepancy's block stays frozen until it is
resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.reconciliation import Discrepancy, ReconciliationStatus


@dataclass(frozen=True, slots=True)
class StoredDiscrepancy:
    discrepancy_id: str
    reconciliation_id: str
    discrepancy: Discrepancy
    block_id: str | None  # the hub block it concerns, frozen while open
    resolved: bool
    resolution: str
    resolved_by: str
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredReconciliation:
    reconciliation_id: str
    counterpart: str  # partner code or EXCHANGE
    status: ReconciliationStatus
    requested_at: datetime
    requested_by: str
    answered_at: datetime | None
    discrepancies: tuple[StoredDiscrepancy, ...]


class ReconciliationRepository(Protocol):
    def add(self, reconciliation: StoredReconciliation) -> None: ...

    def get(self, reconciliation_id: str) -> StoredReconciliation | None: ...

    def requested(self, counterpart: str) -> list[StoredReconciliation]:
        """Still REQUESTED, oldest first."""
        ...

    def latest(self, counterpart: str) -> StoredReconciliation | None: ...

    def record_outcome(
        self,
        reconciliation_id: str,
        status: ReconciliationStatus,
        discrepancies: Sequence[StoredDiscrepancy],
        answered_at: datetime,
    ) -> None:
        """Only from REQUESTED, else ConcurrentWriteConflict."""
        ...

    def resolve(
        self, discrepancy_id: str, resolution: str, actor: str, at: datetime
    ) -> StoredDiscrepancy:
        """Mark one open discrepancy resolved; ConcurrentWriteConflict if it was
        already; KeyError if there is none."""
        ...

    def set_status(
        self, reconciliation_id: str, expected: ReconciliationStatus, new: ReconciliationStatus
    ) -> None: ...

    def open_discrepancy_blocks(self) -> set[str]:
        """Block ids under any unresolved discrepancy."""
        ...
