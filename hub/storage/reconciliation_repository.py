"""Reconciliations in the database (hub.services.reconciliation_port).

A reconciliation with a partner or the exchange, recorded when requested and
answered only from REQUESTED (a conditional update), and the discrepancies
it found, each resolved at most once; the blocks of open discrepancies stay
frozen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update

from hub.domain.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    Phase,
    ReconciliationStatus,
)
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation
from hub.storage.reconciliation_tables import DiscrepancyRow, ReconciliationRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyReconciliationRepository"]


_RECONCILIATION_COLUMNS = (
    ReconciliationRow.reconciliation_id,
    ReconciliationRow.counterpart,
    ReconciliationRow.status,
    ReconciliationRow.requested_at,
    ReconciliationRow.requested_by,
    ReconciliationRow.answered_at,
)


_DISCREPANCY_COLUMNS = (
    DiscrepancyRow.discrepancy_id,
    DiscrepancyRow.reconciliation_id,
    DiscrepancyRow.phase,
    DiscrepancyRow.kind,
    DiscrepancyRow.subject_id,
    DiscrepancyRow.hub_value,
    DiscrepancyRow.counterpart_value,
    DiscrepancyRow.block_id,
    DiscrepancyRow.resolved,
    DiscrepancyRow.resolution,
    DiscrepancyRow.resolved_by,
    DiscrepancyRow.resolved_at,
)


def _discrepancy_row(stored: StoredDiscrepancy) -> dict[str, Any]:
    d = stored.discrepancy
    return {
        "discrepancy_id": stored.discrepancy_id,
        "reconciliation_id": stored.reconciliation_id,
        "phase": str(d.phase),
        "kind": str(d.kind),
        "subject_id": d.subject_id,
        "hub_value": d.hub_value,
        "counterpart_value": d.counterpart_value,
        "block_id": stored.block_id,
        "resolved": stored.resolved,
        "resolution": stored.resolution,
        "resolved_by": stored.resolved_by,
        "resolved_at": stored.resolved_at,
    }


def _discrepancy_from_row(row: Any) -> StoredDiscrepancy:
    return StoredDiscrepancy(
        discrepancy_id=row.discrepancy_id,
        reconciliation_id=row.reconciliation_id,
        discrepancy=Discrepancy(
            phase=Phase(row.phase),
            kind=DiscrepancyKind(row.kind),
            subject_id=row.subject_id,
            hub_value=row.hub_value,
            counterpart_value=row.counterpart_value,
        ),
        block_id=row.block_id,
        resolved=bool(row.resolved),
        resolution=row.resolution,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
    )


class SqlAlchemyReconciliationRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def add(self, reconciliation: StoredReconciliation) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(ReconciliationRow),
                [
                    {
                        "reconciliation_id": reconciliation.reconciliation_id,
                        "counterpart": reconciliation.counterpart,
                        "status": str(reconciliation.status),
                        "requested_at": reconciliation.requested_at,
                        "requested_by": reconciliation.requested_by,
                        "answered_at": reconciliation.answered_at,
                    }
                ],
            )
        self._insert_discrepancies(reconciliation.discrepancies)

    def _insert_discrepancies(self, discrepancies: Sequence[StoredDiscrepancy]) -> None:
        rows = [_discrepancy_row(d) for d in discrepancies]
        with self._tx.writing() as connection:
            for chunk in chunks(rows):
                connection.execute(insert(DiscrepancyRow), list(chunk))

    def _load(self, *where: ColumnElement[bool], newest_first: bool = False) -> list[Any]:
        # Requests of one instant are ordered by id, as the in-memory fake does.
        order = (
            (ReconciliationRow.requested_at.desc(), ReconciliationRow.reconciliation_id.desc())
            if newest_first
            else (ReconciliationRow.requested_at, ReconciliationRow.reconciliation_id)
        )
        return list(
            self._tx.connection.execute(
                select(*_RECONCILIATION_COLUMNS).where(*where).order_by(*order)
            )
        )

    def _with_discrepancies(self, rows: Sequence[Any]) -> list[StoredReconciliation]:
        found: dict[str, list[StoredDiscrepancy]] = defaultdict(list)
        connection = self._tx.connection
        for chunk in chunks([row.reconciliation_id for row in rows]):
            for row in connection.execute(
                select(*_DISCREPANCY_COLUMNS)
                .where(DiscrepancyRow.reconciliation_id.in_(chunk))
                .order_by(DiscrepancyRow.id)
            ):
                found[row.reconciliation_id].append(_discrepancy_from_row(row))
        return [
            StoredReconciliation(
                reconciliation_id=row.reconciliation_id,
                counterpart=row.counterpart,
                status=ReconciliationStatus(row.status),
                requested_at=row.requested_at,
                requested_by=row.requested_by,
                answered_at=row.answered_at,
                discrepancies=tuple(found.get(row.reconciliation_id, ())),
            )
            for row in rows
        ]

    def get(self, reconciliation_id: str) -> StoredReconciliation | None:
        rows = self._load(ReconciliationRow.reconciliation_id == reconciliation_id)
        return self._with_discrepancies(rows)[0] if rows else None

    def requested(self, counterpart: str) -> list[StoredReconciliation]:
        return self._with_discrepancies(
            self._load(
                ReconciliationRow.counterpart == counterpart,
                ReconciliationRow.status == str(ReconciliationStatus.REQUESTED),
            )
        )

    def latest(self, counterpart: str) -> StoredReconciliation | None:
        """The last requested; of several requested in one instant, the greatest id."""
        rows = self._load(ReconciliationRow.counterpart == counterpart, newest_first=True)
        return self._with_discrepancies(rows[:1])[0] if rows else None

    def record_outcome(
        self,
        reconciliation_id: str,
        status: ReconciliationStatus,
        discrepancies: Sequence[StoredDiscrepancy],
        answered_at: datetime,
    ) -> None:
        with self._tx.writing() as connection:
            result = connection.execute(
                update(ReconciliationRow)
                .where(
                    ReconciliationRow.reconciliation_id == reconciliation_id,
                    ReconciliationRow.status == str(ReconciliationStatus.REQUESTED),
                )
                .values(status=str(status), answered_at=answered_at)
            )
            self._tx.require_rows(
                result, 1, f"reconciliation {reconciliation_id} is no longer REQUESTED"
            )
        self._insert_discrepancies(discrepancies)

    def resolve(
        self, discrepancy_id: str, resolution: str, actor: str, at: datetime
    ) -> StoredDiscrepancy:
        connection = self._tx.connection
        row = connection.execute(
            select(*_DISCREPANCY_COLUMNS).where(DiscrepancyRow.discrepancy_id == discrepancy_id)
        ).one_or_none()
        if row is None:
            raise KeyError(discrepancy_id)
        with self._tx.writing() as connection:
            result = connection.execute(
                update(DiscrepancyRow)
                .where(
                    DiscrepancyRow.discrepancy_id == discrepancy_id,
                    DiscrepancyRow.resolved.is_(False),
                )
                .values(resolved=True, resolution=resolution, resolved_by=actor, resolved_at=at)
            )
            self._tx.require_rows(result, 1, f"discrepancy {discrepancy_id} is already resolved")
        stored = _discrepancy_from_row(row)
        return StoredDiscrepancy(
            discrepancy_id=stored.discrepancy_id,
            reconciliation_id=stored.reconciliation_id,
            discrepancy=stored.discrepancy,
            block_id=stored.block_id,
            resolved=True,
            resolution=resolution,
            resolved_by=actor,
            resolved_at=at,
        )

    def set_status(
        self, reconciliation_id: str, expected: ReconciliationStatus, new: ReconciliationStatus
    ) -> None:
        """Conditional like record_outcome: ConcurrentWriteConflict unless ``expected``."""
        with self._tx.writing() as connection:
            result = connection.execute(
                update(ReconciliationRow)
                .where(
                    ReconciliationRow.reconciliation_id == reconciliation_id,
                    ReconciliationRow.status == str(expected),
                )
                .values(status=str(new))
            )
            self._tx.require_rows(
                result, 1, f"reconciliation {reconciliation_id} is no longer {expected}"
            )

    def open_discrepancy_blocks(self) -> set[str]:
        rows = self._tx.connection.execute(
            select(DiscrepancyRow.block_id)
            .where(DiscrepancyRow.resolved.is_(False), DiscrepancyRow.block_id.is_not(None))
            .distinct()
        )
        return {block_id for (block_id,) in rows if block_id is not None}
