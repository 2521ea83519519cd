"""SQLAlchemy repositories of the ledger after a claim's decision (issue 3).

Project supervision, issuance (carry accounts, serial counters, issuance
records), Shenzhen CER blocks, the outbox to the exchange, retirements,
attestations, the ledger's transition events and reconciliations. They
share the unit of work's Transaction (hub.storage.transaction), use Core
statements over lists of dicts like the claim repository, and turn a
refusal by the database, or a conditional update that matched nothing,
into ConcurrentWriteConflict.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, literal, select, update

from hub.domain.attestations import AdjustmentAttestation, SourceCancellation
from hub.domain.blocks import Adjustment, AdjustmentStatus, Block, BlockState
from hub.domain.locks import LockKind
from hub.domain.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    Phase,
    ReconciliationStatus,
)
from hub.domain.retirements import Retirement, RetirementPurpose, RetirementRequest
from hub.domain.serial_blocks import SerialRange, Series
from hub.services.audit_port import LedgerEvent
from hub.services.block_port import BlockFilter
from hub.services.outbox_port import OutboxEntry, OutboxKind
from hub.services.project_port import ProjectSupervision
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation
from hub.services.retirement_port import OffsetUsage
from hub.storage.audit_repository import append_chained
from hub.storage.serialisation import dumps
from hub.storage.tables import (
    AdjustmentAttestationRow,
    BlockRow,
    ClaimLockRow,
    DiscrepancyRow,
    LedgerEventRow,
    OffsetUsageRow,
    OutboxCounterRow,
    OutboxRow,
    ProjectSupervisionRow,
    ReconciliationRow,
    RetirementRow,
    SourceCancellationRow,
    UtcDateTime,
)
from hub.storage.transaction import Transaction, chunks

__all__ = [
    "SqlAlchemyAttestationRepository",
    "SqlAlchemyBlockRepository",
    "SqlAlchemyEventRepository",
    "SqlAlchemyOutboxRepository",
    "SqlAlchemyReconciliationRepository",
    "SqlAlchemyRetirementRepository",
    "SqlAlchemySupervisionRepository",
]


# --- supervision --------------------------------------------------------------


class SqlAlchemySupervisionRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, ProjectSupervision]:
        found: dict[str, ProjectSupervision] = {}
        connection = self._tx.connection
        for chunk in chunks(sorted(set(project_ids))):
            for row in connection.execute(
                select(
                    ProjectSupervisionRow.project_id,
                    ProjectSupervisionRow.suspended,
                    ProjectSupervisionRow.reason,
                    ProjectSupervisionRow.actor,
                    ProjectSupervisionRow.at,
                ).where(
                    ProjectSupervisionRow.partner == partner,
                    ProjectSupervisionRow.project_id.in_(chunk),
                )
            ):
                found[row.project_id] = ProjectSupervision(
                    partner=partner,
                    project_id=row.project_id,
                    suspended=bool(row.suspended),
                    reason=row.reason,
                    actor=row.actor,
                    at=row.at,
                )
        return found

    def save(self, supervision: ProjectSupervision, *, expected_suspended: bool) -> None:
        values = {
            "suspended": supervision.suspended,
            "reason": supervision.reason,
            "actor": supervision.actor,
            "at": supervision.at,
        }
        with self._tx.writing() as connection:
            updated = connection.execute(
                update(ProjectSupervisionRow)
                .where(
                    ProjectSupervisionRow.partner == supervision.partner,
                    ProjectSupervisionRow.project_id == supervision.project_id,
                    ProjectSupervisionRow.suspended == expected_suspended,
                )
                .values(**values)
            )
            if updated.rowcount == 1:
                return
            if expected_suspended:
                raise self._tx.conflict(
                    f"project {supervision.partner}/{supervision.project_id} is not suspended"
                )
            # No row, or a suspended one: the insert stores the first, and the
            # primary key refuses the second (someone suspended it first).
            connection.execute(
                insert(ProjectSupervisionRow),
                [
                    {
                        "partner": supervision.partner,
                        "project_id": supervision.project_id,
                        **values,
                    }
                ],
            )


# --- blocks -------------------------------------------------------------------

_BLOCK_COLUMNS = (
    BlockRow.block_id,
    BlockRow.origin,
    BlockRow.methodology,
    BlockRow.vintage,
    BlockRow.project,
    BlockRow.first_unit,
    BlockRow.last_unit,
    BlockRow.partner,
    BlockRow.account,
    BlockRow.state,
    BlockRow.adjustment_ref,
    BlockRow.adjustment_status,
    BlockRow.issued_at,
    BlockRow.parent_block_id,
    BlockRow.issuance_id,
    BlockRow.delivered_at,
    BlockRow.frozen,
)


def _block_from_row(row: Any) -> Block:
    series = Series(row.origin, row.methodology, row.vintage, row.project)
    return Block(
        block_id=row.block_id,
        range=SerialRange(series, int(row.first_unit), int(row.last_unit)),
        partner=row.partner,
        account=row.account,
        state=BlockState(row.state),
        adjustment=Adjustment(row.adjustment_ref, AdjustmentStatus(row.adjustment_status)),
        issued_at=row.issued_at,
        parent_block_id=row.parent_block_id,
        issuance_id=row.issuance_id,
        delivered_at=row.delivered_at,
        frozen=bool(row.frozen),
    )


def _block_row(block: Block, updated_at: datetime) -> dict[str, Any]:
    series = block.range.series
    return {
        "block_id": block.block_id,
        "serial": block.serial,
        "series": series.key,
        "origin": series.origin,
        "methodology": series.methodology,
        "vintage": series.vintage,
        "project": series.project,
        "first_unit": block.range.first,
        "last_unit": block.range.last,
        "partner": block.partner,
        "account": block.account,
        "state": str(block.state),
        "adjustment_ref": block.adjustment.reference,
        "adjustment_status": str(block.adjustment.status),
        "issued_at": block.issued_at,
        "parent_block_id": block.parent_block_id,
        "issuance_id": block.issuance_id,
        "delivered_at": block.delivered_at,
        "frozen": block.frozen,
        "updated_at": updated_at,
    }


class SqlAlchemyBlockRepository:
    def __init__(self, transaction: Transaction, clock: Callable[[], datetime]) -> None:
        self._tx = transaction
        self._clock = clock

    def add(self, blocks: Sequence[Block]) -> None:
        self._insert(blocks, self._clock())

    def _insert(self, blocks: Sequence[Block], at: datetime) -> None:
        if not blocks:
            return
        rows = [_block_row(block, at) for block in blocks]
        # The exclusion constraint (PostgreSQL) or trigger (SQLite) refuses an
        # overlap with a live block of the series: IntegrityError -> conflict.
        with self._tx.writing() as connection:
            for chunk in chunks(rows):
                connection.execute(insert(BlockRow), list(chunk))

    def _select(self, *where: ColumnElement[bool]) -> list[Block]:
        rows = self._tx.connection.execute(
            select(*_BLOCK_COLUMNS).where(*where).order_by(BlockRow.serial)
        )
        return [_block_from_row(row) for row in rows]

    def get_many(self, block_ids: Collection[str]) -> dict[str, Block]:
        found: dict[str, Block] = {}
        for chunk in chunks(sorted(set(block_ids))):
            found.update(
                (block.block_id, block) for block in self._select(BlockRow.block_id.in_(chunk))
            )
        return found

    def by_serial(self, serial: str) -> Block | None:
        found = self._select(BlockRow.serial == serial)
        return found[0] if found else None

    def transition(
        self,
        block_id: str,
        expected: Collection[BlockState],
        new: BlockState,
        at: datetime,
        *,
        require_unfrozen: bool = True,
    ) -> None:
        if not expected:
            raise self._tx.conflict(f"block {block_id}: no state to move from")
        conditions = [
            BlockRow.block_id == block_id,
            BlockRow.state.in_(sorted(str(state) for state in expected)),
        ]
        if require_unfrozen:
            conditions.append(BlockRow.frozen.is_(False))
        values: dict[str, Any] = {"state": str(new), "updated_at": at}
        if new is BlockState.DELIVERED:
            values["delivered_at"] = func.coalesce(
                BlockRow.delivered_at, literal(at, type_=UtcDateTime())
            )
        with self._tx.writing() as connection:
            result = connection.execute(update(BlockRow).where(*conditions).values(**values))
            self._tx.require_rows(
                result,
                1,
                f"block {block_id} is not in {sorted(expected)}"
                + (" or is frozen" if require_unfrozen else ""),
            )

    def split(self, parent: Block, head: Block, tail: Block, at: datetime) -> None:
        if not (
            head.range.series == parent.range.series == tail.range.series
            and head.range.first == parent.range.first
            and head.range.last + 1 == tail.range.first
            and tail.range.last == parent.range.last
        ):
            raise ValueError(f"{head.serial} and {tail.serial} do not partition {parent.serial}")
        # The parent leaves the live set first, so the children may take its units.
        self.transition(parent.block_id, {parent.state}, BlockState.SPLIT, at)
        self._insert([head, tail], at)

    def set_adjustment(self, partner: str, reference: str, status: AdjustmentStatus) -> list[Block]:
        where = (BlockRow.partner == partner, BlockRow.adjustment_ref == reference)
        with self._tx.writing() as connection:
            connection.execute(
                update(BlockRow)
                .where(*where)
                .values(adjustment_status=str(status), updated_at=self._clock())
            )
        return self._select(*where)

    def set_frozen(self, block_ids: Collection[str], frozen: bool) -> None:
        at = self._clock()
        with self._tx.writing() as connection:
            for chunk in chunks(sorted(set(block_ids))):
                connection.execute(
                    update(BlockRow)
                    .where(BlockRow.block_id.in_(chunk))
                    .values(frozen=frozen, updated_at=at)
                )

    def find(self, where: BlockFilter) -> list[Block]:
        conditions: list[ColumnElement[bool]] = []
        if where.partner is not None:
            conditions.append(BlockRow.partner == where.partner)
        if where.states is not None:
            conditions.append(BlockRow.state.in_(sorted(str(s) for s in where.states)))
        if where.delivered_only:
            conditions.append(BlockRow.delivered_at.is_not(None))
        if where.adjustment_ref is not None:
            conditions.append(BlockRow.adjustment_ref == where.adjustment_ref)
        return self._select(*conditions)

    def unit_totals(self, partner: str) -> dict[BlockState, tuple[int, int]]:
        """Only states the partner has blocks in appear."""
        rows = self._tx.connection.execute(
            select(
                BlockRow.state,
                func.count(),
                func.sum(BlockRow.last_unit - BlockRow.first_unit + 1),
            )
            .where(BlockRow.partner == partner, BlockRow.state != str(BlockState.SPLIT))
            .group_by(BlockRow.state)
        )
        return {BlockState(state): (int(count), int(units)) for state, count, units in rows}


# --- outbox -------------------------------------------------------------------


class SqlAlchemyOutboxRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def append(self, entries: Sequence[tuple[OutboxKind, str, str]], at: datetime) -> None:
        """Cursors come from the single outbox_counter row, advanced inside this
        transaction, and not from a sequence or autoincrement.

        A reader polls ``cursor > after``; it must never see cursor n + 1
        committed while n is still to come. A sequence hands out numbers at
        call time, so a transaction that drew n but commits after the one that
        drew n + 1 would be skipped. The counter row instead is locked by the
        UPDATE until this transaction ends (PostgreSQL row lock; SQLite writers
        are serialised by BEGIN IMMEDIATE anyway): the next appender waits
        there and, under READ COMMITTED, re-reads the committed value. Cursor
        order is therefore commit order. The price is that appenders queue on
        the row until they commit: append late in a unit of work.
        """
        if not entries:
            return
        with self._tx.writing() as connection:
            last = connection.execute(
                update(OutboxCounterRow)
                .where(OutboxCounterRow.id == 1)
                .values(last_cursor=OutboxCounterRow.last_cursor + len(entries))
                .returning(OutboxCounterRow.last_cursor)
            ).scalar_one()
            first = int(last) - len(entries) + 1
            rows = [
                {
                    "cursor": first + offset,
                    "kind": str(kind),
                    "block_id": block_id,
                    "reason": reason,
                    "at": at,
                }
                for offset, (kind, block_id, reason) in enumerate(entries)
            ]
            # The partial unique index refuses a second QUALIFIED of one block.
            for chunk in chunks(rows):
                connection.execute(insert(OutboxRow), list(chunk))

    def read(self, after: int, limit: int) -> list[OutboxEntry]:
        rows = self._tx.connection.execute(
            select(
                OutboxRow.cursor, OutboxRow.kind, OutboxRow.reason, OutboxRow.at, *_BLOCK_COLUMNS
            )
            .join(BlockRow, BlockRow.block_id == OutboxRow.block_id)
            .where(OutboxRow.cursor > after)
            .order_by(OutboxRow.cursor)
            .limit(limit)
        )
        return [
            OutboxEntry(
                cursor=int(row.cursor),
                kind=OutboxKind(row.kind),
                block=_block_from_row(row),
                reason=row.reason,
                at=row.at,
            )
            for row in rows
        ]

    def last_cursor(self) -> int:
        return int(
            self._tx.connection.execute(
                select(func.coalesce(func.max(OutboxRow.cursor), 0))
            ).scalar_one()
        )


# --- retirements --------------------------------------------------------------


def _request_to_json(request: RetirementRequest) -> str:
    return dumps(
        {
            "retirement_id": request.retirement_id,
            "block_id": request.block_id,
            "units": request.units,
            "purpose": str(request.purpose),
            "beneficiary": request.beneficiary,
            "compliance_entity": request.compliance_entity,
            "compliance_year": request.compliance_year,
            "verified_emissions_tco2e": (
                None
                if request.verified_emissions_tco2e is None
                else str(request.verified_emissions_tco2e)
            ),
            "event_name": request.event_name,
            "note": request.note,
        }
    )


def _request_from_json(text: str) -> RetirementRequest:
    data = json.loads(text)
    emissions = data["verified_emissions_tco2e"]
    return RetirementRequest(
        retirement_id=data["retirement_id"],
        block_id=data["block_id"],
        units=data["units"],
        purpose=RetirementPurpose(data["purpose"]),
        beneficiary=data["beneficiary"],
        compliance_entity=data["compliance_entity"],
        compliance_year=data["compliance_year"],
        verified_emissions_tco2e=None if emissions is None else Decimal(emissions),
        event_name=data["event_name"],
        note=data["note"],
    )


_RETIREMENT_COLUMNS = (
    RetirementRow.retirement_id,
    RetirementRow.request_digest,
    RetirementRow.request,
    RetirementRow.retired_block_id,
    RetirementRow.remainder_block_id,
    RetirementRow.retired_at,
)


def _retirement_from_row(row: Any) -> Retirement:
    return Retirement(
        retirement_id=row.retirement_id,
        request_digest=row.request_digest,
        request=_request_from_json(row.request),
        retired_block_id=row.retired_block_id,
        remainder_block_id=row.remainder_block_id,
        retired_at=row.retired_at,
    )


class SqlAlchemyRetirementRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def get(self, retirement_id: str) -> Retirement | None:
        row = self._tx.connection.execute(
            select(*_RETIREMENT_COLUMNS).where(RetirementRow.retirement_id == retirement_id)
        ).one_or_none()
        return None if row is None else _retirement_from_row(row)

    def add(self, retirement: Retirement) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(RetirementRow),
                [
                    {
                        "retirement_id": retirement.retirement_id,
                        "request_digest": retirement.request_digest,
                        "request": _request_to_json(retirement.request),
                        "retired_block_id": retirement.retired_block_id,
                        "remainder_block_id": retirement.remainder_block_id,
                        "retired_at": retirement.retired_at,
                    }
                ],
            )

    def offset_usage(self, entity: str, year: int) -> OffsetUsage:
        row = self._tx.connection.execute(
            select(OffsetUsageRow.units_by_origin, OffsetUsageRow.version).where(
                OffsetUsageRow.entity == entity, OffsetUsageRow.year == year
            )
        ).one_or_none()
        if row is None:
            return OffsetUsage(entity=entity, year=year, units_by_origin={}, version=0)
        units = {str(origin): int(n) for origin, n in json.loads(row.units_by_origin).items()}
        return OffsetUsage(entity=entity, year=year, units_by_origin=units, version=row.version)

    def save_offset_usage(self, usage: OffsetUsage) -> None:
        units = dumps({str(origin): int(n) for origin, n in usage.units_by_origin.items()})
        if usage.version < 1:
            raise self._tx.conflict(f"offset usage saved with version {usage.version}")
        with self._tx.writing() as connection:
            if usage.version == 1:
                connection.execute(
                    insert(OffsetUsageRow),
                    [
                        {
                            "entity": usage.entity,
                            "year": usage.year,
                            "units_by_origin": units,
                            "version": 1,
                        }
                    ],
                )
                return
            result = connection.execute(
                update(OffsetUsageRow)
                .where(
                    OffsetUsageRow.entity == usage.entity,
                    OffsetUsageRow.year == usage.year,
                    OffsetUsageRow.version == usage.version - 1,
                )
                .values(units_by_origin=units, version=usage.version)
            )
            self._tx.require_rows(
                result,
                1,
                f"offset usage of {usage.entity}/{usage.year} is not at version "
                f"{usage.version - 1}",
            )

    def for_blocks(self, block_ids: Collection[str]) -> dict[str, list[Retirement]]:
        """Each block's retirements oldest first (then by retirement id)."""
        found: dict[str, list[Retirement]] = defaultdict(list)
        connection = self._tx.connection
        for chunk in chunks(sorted(set(block_ids))):
            for row in connection.execute(
                select(*_RETIREMENT_COLUMNS)
                .where(RetirementRow.retired_block_id.in_(chunk))
                .order_by(RetirementRow.retired_at, RetirementRow.retirement_id)
            ):
                found[row.retired_block_id].append(_retirement_from_row(row))
        return dict(found)


# --- attestations -------------------------------------------------------------

_CANCELLATION_COLUMNS = (
    SourceCancellationRow.partner,
    SourceCancellationRow.claim_id,
    SourceCancellationRow.origin_serial,
    SourceCancellationRow.cancellation_id,
    SourceCancellationRow.note,
    SourceCancellationRow.cancelled_at,
    SourceCancellationRow.attested_at,
)


class SqlAlchemyAttestationRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def _cancellation(self, *where: ColumnElement[bool]) -> SourceCancellation | None:
        row = self._tx.connection.execute(
            select(*_CANCELLATION_COLUMNS).where(*where)
        ).one_or_none()
        if row is None:
            return None
        return SourceCancellation(
            partner=row.partner,
            claim_id=row.claim_id,
            origin_serial=row.origin_serial,
            cancellation_id=row.cancellation_id,
            note=row.note,
            cancelled_at=row.cancelled_at,
            attested_at=row.attested_at,
        )

    def source_cancellation_for_claim(self, claim_id: str) -> SourceCancellation | None:
        return self._cancellation(SourceCancellationRow.claim_id == claim_id)

    def source_cancellation_by_id(
        self, partner: str, cancellation_id: str
    ) -> SourceCancellation | None:
        return self._cancellation(
            SourceCancellationRow.partner == partner,
            SourceCancellationRow.cancellation_id == cancellation_id,
        )

    def add_source_cancellation(self, attestation: SourceCancellation) -> None:
        # Primary key on claim_id, unique (partner, cancellation_id) and origin_serial.
        with self._tx.writing() as connection:
            connection.execute(
                insert(SourceCancellationRow),
                [
                    {
                        "partner": attestation.partner,
                        "claim_id": attestation.claim_id,
                        "origin_serial": attestation.origin_serial,
                        "cancellation_id": attestation.cancellation_id,
                        "note": attestation.note,
                        "cancelled_at": attestation.cancelled_at,
                        "attested_at": attestation.attested_at,
                    }
                ],
            )
            part = attestation.cancelled
            if part is not None:
                # The origin keeps the rest of its block: the claim's lock shrinks
                # to the cancelled part (locks are immutable: delete, then insert;
                # a part of the claim's own range overlaps no other lock).
                origin = ClaimLockRow.kind == str(LockKind.ORIGIN_SERIAL)
                connection.execute(
                    delete(ClaimLockRow).where(
                        ClaimLockRow.claim_id == attestation.claim_id, origin
                    )
                )
                connection.execute(
                    insert(ClaimLockRow),
                    [
                        {
                            "claim_id": attestation.claim_id,
                            "kind": str(LockKind.ORIGIN_SERIAL),
                            "key": part.series,
                            "lo": part.first,
                            "hi": part.last,
                        }
                    ],
                )

    def adjustment_status(self, partner: str, reference: str) -> AdjustmentStatus | None:
        status = self._tx.connection.execute(
            select(AdjustmentAttestationRow.status)
            .where(
                AdjustmentAttestationRow.partner == partner,
                AdjustmentAttestationRow.reference == reference,
            )
            .order_by(AdjustmentAttestationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if status is None else AdjustmentStatus(status)

    def add_adjustment(self, attestation: AdjustmentAttestation) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(AdjustmentAttestationRow),
                [
                    {
                        "partner": attestation.partner,
                        "reference": attestation.reference,
                        "status": str(attestation.status),
                        "attested_at": attestation.attested_at,
                        "note": attestation.note,
                        "quantity": attestation.quantity,
                        "vintage": attestation.vintage,
                    }
                ],
            )

    def adjustment_history(self, partner: str, reference: str) -> list[AdjustmentAttestation]:
        rows = self._tx.connection.execute(
            select(AdjustmentAttestationRow)
            .where(
                AdjustmentAttestationRow.partner == partner,
                AdjustmentAttestationRow.reference == reference,
            )
            .order_by(AdjustmentAttestationRow.id)
        )
        return [
            AdjustmentAttestation(
                partner=row.partner,
                reference=row.reference,
                status=AdjustmentStatus(row.status),
                attested_at=row.attested_at,
                note=row.note,
                quantity=row.quantity,
                vintage=row.vintage,
            )
            for row in rows
        ]

    def adjustments_of(self, partner: str) -> dict[str, AdjustmentStatus]:
        """Each reference's latest status (the history is replayed in append order)."""
        latest: dict[str, AdjustmentStatus] = {}
        for reference, status in self._tx.connection.execute(
            select(AdjustmentAttestationRow.reference, AdjustmentAttestationRow.status)
            .where(AdjustmentAttestationRow.partner == partner)
            .order_by(AdjustmentAttestationRow.id)
        ):
            latest[reference] = AdjustmentStatus(status)
        return latest


# --- events -------------------------------------------------------------------


class SqlAlchemyEventRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def append(self, events: Sequence[LedgerEvent]) -> None:
        # A hash chain with a locked head: see hub.storage.audit_repository.
        append_chained(self._tx, events)

    def for_subjects(self, subject_kind: str, subject_ids: Collection[str]) -> list[LedgerEvent]:
        found: list[tuple[int, LedgerEvent]] = []
        connection = self._tx.connection
        for chunk in chunks(sorted(set(subject_ids))):
            for row in connection.execute(
                select(
                    LedgerEventRow.id,
                    LedgerEventRow.subject_id,
                    LedgerEventRow.event,
                    LedgerEventRow.actor,
                    LedgerEventRow.at,
                    LedgerEventRow.details,
                ).where(
                    LedgerEventRow.subject_kind == subject_kind,
                    LedgerEventRow.subject_id.in_(chunk),
                )
            ):
                event = LedgerEvent(
                    subject_kind=subject_kind,
                    subject_id=row.subject_id,
                    event=row.event,
                    actor=row.actor,
                    at=row.at,
                    details=json.loads(row.details),
                )
                found.append((int(row.id), event))
        found.sort(key=lambda item: item[0])
        return [event for _, event in found]


# --- reconciliation -----------------------------------------------------------

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
