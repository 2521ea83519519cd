"""Reads for the CAD Trust export and the annual report (hub.services.exports).

SQLAlchemy Core over the ledger's own tables, on whatever engine the caller
gives (the hub's read-only engine in a server); every figure is read from
the rows that the disclosure's totals are grouped from, so the two agree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Executable, case, func, select

from hub.domain.blocks import BlockState
from hub.interchange.ledger_facts import (
    AttestationFacts,
    BlockFacts,
    IssuanceFacts,
    OriginCancellation,
    ProjectFacts,
    ReconciliationFacts,
    RetirementFacts,
)
from hub.storage.attestation_tables import AdjustmentAttestationRow, SourceCancellationRow
from hub.storage.block_tables import BlockRow
from hub.storage.claim_tables import ClaimRow
from hub.storage.issuance_tables import ClaimIssuanceRow, IssuanceRow
from hub.storage.project_tables import ProjectRow
from hub.storage.reconciliation_tables import DiscrepancyRow, ReconciliationRow
from hub.storage.retirement_tables import RetirementRow

_BLOCK_COLUMNS = (
    BlockRow.block_id,
    BlockRow.serial,
    BlockRow.partner,
    BlockRow.methodology,
    BlockRow.vintage,
    BlockRow.project,
    BlockRow.account,
    BlockRow.first_unit,
    BlockRow.last_unit,
    BlockRow.state,
    BlockRow.frozen,
    BlockRow.adjustment_ref,
    BlockRow.adjustment_status,
    BlockRow.issuance_id,
    BlockRow.updated_at,
    BlockRow.issued_at,
    BlockRow.delivered_at,
    RetirementRow.retirement_id,
    RetirementRow.request,
    RetirementRow.retired_at,
)


def _retirement_detail(request: dict[str, Any]) -> str:
    """What the exchange said the units were used for, beyond the purpose."""
    parts = [str(request[k]) for k in ("event_name", "note") if request.get(k)]
    if request.get("compliance_entity"):
        parts.insert(0, f"{request['compliance_entity']} {request.get('compliance_year') or ''}")
    return "; ".join(p.strip() for p in parts)


def _block_of(row: Any) -> BlockFacts:
    retirement = None
    if row.retirement_id is not None:
        request = json.loads(row.request)
        retirement = RetirementFacts(
            retirement_id=row.retirement_id,
            purpose=str(request["purpose"]),
            beneficiary=str(request["beneficiary"]),
            detail=_retirement_detail(request),
            retired_at=row.retired_at,
        )
    return BlockFacts(
        block_id=row.block_id,
        serial=row.serial,
        partner=row.partner,
        methodology=row.methodology,
        vintage=int(row.vintage),
        project=row.project,
        account=row.account,
        first_unit=int(row.first_unit),
        last_unit=int(row.last_unit),
        state=row.state,
        frozen=bool(row.frozen),
        adjustment_ref=row.adjustment_ref,
        adjustment_status=row.adjustment_status,
        issuance_id=row.issuance_id or row.block_id,
        updated_at=row.updated_at,
        retirement=retirement,
        issued_at=row.issued_at,
        delivered_at=row.delivered_at,
    )


class ExportQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _all(self, statement: Executable) -> Sequence[Any]:
        with self._engine.connect() as connection:
            return connection.execute(statement).all()

    def _blocks(self, *where: Any) -> list[BlockFacts]:
        statement = (
            select(*_BLOCK_COLUMNS)
            .select_from(BlockRow)
            .outerjoin(RetirementRow, RetirementRow.retired_block_id == BlockRow.block_id)
            .where(*where)
            .order_by(BlockRow.partner, BlockRow.serial)
        )
        return [_block_of(row) for row in self._all(statement)]

    def projects(self, since: datetime | None) -> list[ProjectFacts]:
        statement = select(
            ProjectRow.partner,
            ProjectRow.project_id,
            ProjectRow.name,
            ProjectRow.partner_methodology,
            ProjectRow.region_code,
            ProjectRow.longitude,
            ProjectRow.latitude,
            ProjectRow.size_value,
            ProjectRow.size_unit,
            ProjectRow.crediting_start,
            ProjectRow.crediting_end,
            ProjectRow.status,
            ProjectRow.review_state,
            ProjectRow.updated_at,
        ).order_by(ProjectRow.partner, ProjectRow.project_id)
        if since is not None:
            statement = statement.where(ProjectRow.updated_at >= since)
        return [ProjectFacts(*row) for row in self._all(statement)]

    def projects_named(self, keys: Iterable[tuple[str, str]]) -> list[ProjectFacts]:
        wanted = set(keys)
        if not wanted:
            return []
        return [p for p in self.projects(None) if (p.partner, p.project_id) in wanted]

    def live_blocks(self, since: datetime | None) -> list[BlockFacts]:
        """Every block whose units exist as it stands (not SPLIT), changed since ``since``."""
        where = [BlockRow.state != str(BlockState.SPLIT)]
        if since is not None:
            where.append(BlockRow.updated_at >= since)
        return self._blocks(*where)

    def issuances(self, issuance_ids: Iterable[str]) -> list[IssuanceFacts]:
        ids = sorted(set(issuance_ids))
        found: list[IssuanceFacts] = []
        for start in range(0, len(ids), 500):  # bounded IN lists
            found.extend(self._issuances(ids[start : start + 500]))
        return found

    def _issuances(self, ids: list[str]) -> list[IssuanceFacts]:
        periods = {
            row.issuance_id: (row.start, row.end)
            for row in self._all(
                select(
                    ClaimIssuanceRow.issuance_id,
                    func.min(ClaimRow.period_start).label("start"),
                    func.max(ClaimRow.period_end).label("end"),
                )
                .join(ClaimRow, ClaimRow.claim_id == ClaimIssuanceRow.claim_id)
                .where(ClaimIssuanceRow.issuance_id.in_(ids))
                .group_by(ClaimIssuanceRow.issuance_id)
            )
        }
        origins: dict[str, list[OriginCancellation]] = defaultdict(list)
        for row in self._all(
            select(
                ClaimIssuanceRow.issuance_id,
                SourceCancellationRow.origin_serial,
                SourceCancellationRow.cancellation_id,
            )
            .join(
                SourceCancellationRow,
                SourceCancellationRow.claim_id == ClaimIssuanceRow.claim_id,
            )
            .where(ClaimIssuanceRow.issuance_id.in_(ids))
            .order_by(SourceCancellationRow.origin_serial)
        ):
            origins[row.issuance_id].append(
                OriginCancellation(row.origin_serial, row.cancellation_id)
            )
        statement = select(
            IssuanceRow.issuance_id,
            IssuanceRow.partner,
            IssuanceRow.methodology,
            IssuanceRow.vintage,
            IssuanceRow.account,
            IssuanceRow.units,
            IssuanceRow.issued_at,
        ).where(IssuanceRow.issuance_id.in_(ids))
        result: list[IssuanceFacts] = []
        for row in self._all(statement):
            start, end = periods.get(row.issuance_id, (None, None))
            result.append(
                IssuanceFacts(
                    issuance_id=row.issuance_id,
                    partner=row.partner,
                    methodology=row.methodology,
                    vintage=int(row.vintage),
                    account=row.account,
                    units=int(row.units),
                    issued_at=row.issued_at,
                    period_start=start,
                    period_end=end,
                    origin_cancellations=tuple(origins.get(row.issuance_id, ())),
                )
            )
        return result

    # --- the annual report of one partner: [start, end) in UTC --------------

    def first_transfers(self, partner: str, start: datetime, end: datetime) -> list[BlockFacts]:
        """The original blocks issued in the period: units first transferred into Shenzhen."""
        return self._blocks(
            BlockRow.partner == partner,
            BlockRow.parent_block_id.is_(None),
            BlockRow.issued_at >= start,
            BlockRow.issued_at < end,
        )

    def leaves_issued_before(self, partner: str, end: datetime) -> list[BlockFacts]:
        """Every live block (not SPLIT) of units issued before ``end``: they tile
        the units issued."""
        return self._blocks(
            BlockRow.partner == partner,
            BlockRow.state != str(BlockState.SPLIT),
            BlockRow.issued_at < end,
        )

    def attestations(self, partner: str, end: datetime) -> list[AttestationFacts]:
        statement = (
            select(
                AdjustmentAttestationRow.reference,
                AdjustmentAttestationRow.status,
                AdjustmentAttestationRow.attested_at,
                AdjustmentAttestationRow.note,
            )
            .where(
                AdjustmentAttestationRow.partner == partner,
                AdjustmentAttestationRow.attested_at < end,
            )
            .order_by(
                AdjustmentAttestationRow.reference,
                AdjustmentAttestationRow.attested_at,
                AdjustmentAttestationRow.id,
            )
        )
        return [AttestationFacts(*row) for row in self._all(statement)]

    def reconciliations(
        self, partner: str, start: datetime, end: datetime
    ) -> list[ReconciliationFacts]:
        counts = (
            select(
                DiscrepancyRow.reconciliation_id,
                func.count().label("found"),
                func.sum(case((DiscrepancyRow.resolved.is_(False), 1), else_=0)).label("open"),
            )
            .group_by(DiscrepancyRow.reconciliation_id)
            .subquery("counts")
        )
        statement = (
            select(
                ReconciliationRow.reconciliation_id,
                ReconciliationRow.status,
                ReconciliationRow.requested_at,
                ReconciliationRow.answered_at,
                func.coalesce(counts.c.found, 0),
                func.coalesce(counts.c.open, 0),
            )
            .outerjoin(counts, counts.c.reconciliation_id == ReconciliationRow.reconciliation_id)
            .where(
                ReconciliationRow.counterpart == partner,
                ReconciliationRow.requested_at >= start,
                ReconciliationRow.requested_at < end,
            )
            .order_by(ReconciliationRow.requested_at, ReconciliationRow.id)
        )
        return [
            ReconciliationFacts(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]))
            for r in self._all(statement)
        ]
