"""One block's story read from the ledger: its family of splits, the issuance
batch and the partner records behind it, the cancellations at source, the
retirements, the adjustment history and the signed ledger's rows.

Read on the disclosure's read-only engine (hub.storage.disclosure_queries).
A handful of indexed queries per block: the family is walked by
parent_block_id (indexed) and is small, a retirement splitting a block in two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from hub.services.block_lineage import (
    MAX_RECORDS_SHOWN,
    AdjustmentStep,
    AuditStep,
    BlockFamily,
    BlockLineage,
    SourceRecord,
)
from hub.services.disclosure import BlockEntry, RetirementEntry
from hub.storage.attestation_tables import AdjustmentAttestationRow, SourceCancellationRow
from hub.storage.audit_repository import decode_hash
from hub.storage.audit_tables import LedgerEventRow
from hub.storage.block_tables import BlockRow
from hub.storage.claim_tables import ClaimRow
from hub.storage.issuance_tables import ClaimIssuanceRow
from hub.storage.retirement_tables import RetirementRow

BLOCK_COLUMNS = (
    BlockRow.block_id,
    BlockRow.serial,
    BlockRow.partner,
    BlockRow.origin,
    BlockRow.methodology,
    BlockRow.vintage,
    BlockRow.project,
    BlockRow.first_unit,
    BlockRow.last_unit,
    BlockRow.state,
    BlockRow.adjustment_status,
    BlockRow.issued_at,
)
_FAMILY_COLUMNS = (
    *BLOCK_COLUMNS,
    BlockRow.parent_block_id,
    BlockRow.delivered_at,
    BlockRow.updated_at,
    BlockRow.issuance_id,
    BlockRow.adjustment_ref,
    BlockRow.account,
)
# Split depth is bounded by the units of a block; this only stops a corrupt
# parent cycle from looping.
_MAX_DEPTH = 10_000


def _family_member(row: Any) -> BlockFamily:
    entry = BlockEntry(*row[: len(BLOCK_COLUMNS)])
    return BlockFamily(entry, row.parent_block_id, row.delivered_at, row.updated_at)


def _one(connection: Connection, condition: Any) -> Any:
    return connection.execute(select(*_FAMILY_COLUMNS).where(condition)).first()


def _root(connection: Connection, row: Any) -> Any:
    for _ in range(_MAX_DEPTH):
        if row.parent_block_id is None:
            return row
        parent = _one(connection, BlockRow.block_id == row.parent_block_id)
        if parent is None:
            return row
        row = parent
    return row


def _tree(connection: Connection, root: Any) -> list[Any]:
    rows = [root]
    frontier = [root.block_id]
    while frontier and len(rows) < _MAX_DEPTH:
        children = connection.execute(
            select(*_FAMILY_COLUMNS).where(BlockRow.parent_block_id.in_(frontier))
        ).all()
        rows.extend(children)
        frontier = [child.block_id for child in children]
    return sorted(rows, key=lambda r: (r.issued_at, r.first_unit, r.block_id))


def _records(
    connection: Connection, issuance_id: str | None
) -> tuple[int, int, list[SourceRecord], Decimal | None]:
    """(claims, personal claims, shown records, credited tCO2e) of the batch."""
    if issuance_id is None:
        return 0, 0, [], None
    behind = (
        select(ClaimIssuanceRow.claim_id)
        .where(ClaimIssuanceRow.issuance_id == issuance_id)
        .scalar_subquery()
    )
    counted = connection.execute(
        select(
            func.count(ClaimRow.claim_id),
            func.count(ClaimRow.person_pseudonym),
        ).where(ClaimRow.claim_id.in_(behind))
    ).one()
    shown = connection.execute(
        select(
            ClaimRow.record_id,
            ClaimRow.received_at,
            ClaimIssuanceRow.credited_tco2e,
            SourceCancellationRow.origin_serial,
            SourceCancellationRow.cancellation_id,
            SourceCancellationRow.cancelled_at,
            SourceCancellationRow.attested_at,
            ClaimRow.credited_tco2e,
        )
        .select_from(ClaimIssuanceRow)
        .join(ClaimRow, ClaimRow.claim_id == ClaimIssuanceRow.claim_id)
        .outerjoin(SourceCancellationRow, SourceCancellationRow.claim_id == ClaimRow.claim_id)
        .where(ClaimIssuanceRow.issuance_id == issuance_id, ClaimRow.person_pseudonym.is_(None))
        .order_by(ClaimRow.received_at, ClaimRow.record_id)
        .limit(MAX_RECORDS_SHOWN)
    ).all()
    # Summed here, exactly: the column keeps decimals as text on SQLite.
    credited = connection.execute(
        select(ClaimIssuanceRow.credited_tco2e).where(ClaimIssuanceRow.issuance_id == issuance_id)
    ).scalars()
    total = sum(credited, Decimal(0)) if counted[0] else None
    records = [
        # The record's whole credit where this block's vintage has only its part.
        SourceRecord(*row[:7], record_credited_tco2e=row[7] if row[7] != row[2] else None)
        for row in shown
    ]
    return int(counted[0]), int(counted[1]), records, total


def _retirements(connection: Connection, ids: Sequence[str]) -> list[RetirementEntry]:
    rows = connection.execute(
        select(
            RetirementRow.retirement_id,
            BlockRow.block_id,
            BlockRow.serial,
            BlockRow.partner,
            BlockRow.methodology,
            BlockRow.vintage,
            (BlockRow.last_unit - BlockRow.first_unit + 1).label("units"),
            RetirementRow.request,
            RetirementRow.retired_at,
        )
        .select_from(RetirementRow)
        .join(BlockRow, BlockRow.block_id == RetirementRow.retired_block_id)
        .where(RetirementRow.retired_block_id.in_(ids))
        .order_by(RetirementRow.retired_at, RetirementRow.retirement_id)
    ).all()
    found: list[RetirementEntry] = []
    for row in rows:
        request = json.loads(row.request)
        found.append(
            RetirementEntry(
                row.retirement_id,
                row.block_id,
                row.serial,
                row.partner,
                row.methodology,
                row.vintage,
                int(row.units),
                str(request["purpose"]),
                str(request["beneficiary"]),
                row.retired_at,
            )
        )
    return found


def _adjustments(
    connection: Connection, partner: str, reference: str | None
) -> list[AdjustmentStep]:
    if reference is None:
        return []
    rows = connection.execute(
        select(AdjustmentAttestationRow.status, AdjustmentAttestationRow.attested_at)
        .where(
            AdjustmentAttestationRow.partner == partner,
            AdjustmentAttestationRow.reference == reference,
        )
        .order_by(AdjustmentAttestationRow.id)
    ).all()
    return [AdjustmentStep(status, at) for status, at in rows]


def _audit(connection: Connection, ids: Sequence[str]) -> list[AuditStep]:
    rows = connection.execute(
        select(
            LedgerEventRow.seq,
            LedgerEventRow.subject_id,
            LedgerEventRow.event,
            LedgerEventRow.at,
            LedgerEventRow.hash,
        )
        .where(LedgerEventRow.subject_kind == "block", LedgerEventRow.subject_id.in_(ids))
        .order_by(LedgerEventRow.seq)
    ).all()
    # The chain hash is stored as 32 bytes (migration 0021); the lineage shows
    # its hex, and a hash somebody overwrote with anything else as it reads.
    return [
        AuditStep(int(seq), subject, event, at, _shown_hash(digest))
        for seq, subject, event, at, digest in rows
    ]


def _shown_hash(stored: object) -> str:
    """A stored chain hash as hex; one overwritten with something else as it
    reads, so the evidence page shows the tampering instead of failing."""
    digest = decode_hash(stored)
    if digest is not None:
        return digest
    return bytes(stored).hex() if isinstance(stored, bytes | memoryview) else str(stored)


def block_lineage(connection: Connection, serial: str) -> BlockLineage | None:
    asked = _one(connection, BlockRow.serial == serial)
    if asked is None:
        return None
    root = _root(connection, asked)
    tree = _tree(connection, root)
    ids = [row.block_id for row in tree]
    claims, personal, records, credited = _records(connection, root.issuance_id)
    first_delivery: datetime | None = root.delivered_at
    return BlockLineage(
        block=_family_member(asked),
        original=_family_member(root),
        family=tuple(_family_member(row) for row in tree),
        issuance_id=root.issuance_id,
        credited_tco2e=credited,
        claims=claims,
        personal_claims=personal,
        records=tuple(records),
        delivered_at=first_delivery,
        retirements=tuple(_retirements(connection, ids)),
        adjustment_ref=root.adjustment_ref,
        adjustments=tuple(_adjustments(connection, root.partner, root.adjustment_ref)),
        audit=tuple(_audit(connection, ids)),
    )


def serials_like(connection: Connection, fragment: str, limit: int) -> list[BlockEntry]:
    # The fragment is matched literally: a typed % or _ is not a wildcard.
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows: Sequence[Any] = connection.execute(
        select(*BLOCK_COLUMNS)
        .where(BlockRow.serial.like(f"%{escaped}%", escape="\\"))
        .order_by(BlockRow.serial)
        .limit(limit)
    ).all()
    return [BlockEntry(*row) for row in rows]
