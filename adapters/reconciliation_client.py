"""The partner's side of a reconciliation with the hub: which are asked, and its holdings stated.

The hub asks a partner to reconcile (or the partner starts one); the
partner states its totals and its holdings record by record, and reads
back the hub's report: its status, each discrepancy, and the blocks the
hub froze because of them. A failed call raises HubCallError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from adapters.hub_call_errors import HubCallError
from adapters.partner_signing import UNARY_TIMEOUT
from adapters.signed_calls import partner_stub
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.vocabulary.holdings import Holding, Total


@dataclass(frozen=True, slots=True)
class ReconciliationRequestInfo:
    """A reconciliation the hub asked of the partner, awaiting its holdings."""

    reconciliation_id: str
    counterpart: str
    requested_at: str


@dataclass(frozen=True, slots=True)
class DiscrepancyInfo:
    """One difference the hub found between its ledger and the partner's holdings."""

    phase: str  # TOTALS, UNIT_BLOCKS, AUDIT_TRAIL
    kind: str
    subject_id: str
    hub_value: str
    counterpart_value: str
    resolved: bool


@dataclass(frozen=True, slots=True)
class ReconciliationOutcome:
    """The hub's report on a reconciliation the partner answered or started."""

    reconciliation_id: str
    counterpart: str
    status: str  # CONSISTENT, INCONSISTENT, COMPLETED_WITH_MANUAL_INTERVENTION, REQUESTED
    discrepancies: tuple[DiscrepancyInfo, ...]
    frozen_block_ids: tuple[str, ...]

    @property
    def consistent(self) -> bool:
        return self.status == "CONSISTENT"


def list_reconciliation_requests(
    channel: grpc.Channel, partner: str
) -> list[ReconciliationRequestInfo]:
    """The reconciliations the hub asked of ``partner`` and that await its holdings."""
    try:
        response: ledger_pb.ListReconciliationRequestsResponse = partner_stub(
            channel
        ).ListReconciliationRequests(
            ledger_pb.ListReconciliationRequestsRequest(partner=partner), timeout=UNARY_TIMEOUT
        )
    except grpc.RpcError as error:
        raise HubCallError("ListReconciliationRequests", error) from error
    return [
        ReconciliationRequestInfo(r.reconciliation_id, r.counterpart, r.requested_at)
        for r in response.requests
    ]


def submit_reconciliation(
    channel: grpc.Channel,
    partner: str,
    reconciliation_id: str | None,
    totals: Sequence[Total],
    holdings: Sequence[Holding],
) -> ReconciliationOutcome:
    """State the partner's holdings for a requested reconciliation, or start one (None)."""
    request = ledger_pb.SubmitReconciliationRequest(
        reconciliation_id=reconciliation_id or "",
        partner=partner,
        totals=[
            ledger_pb.HoldingTotal(
                state=t.state,
                vintage=t.vintage,
                count=t.count,
                quantity=str(t.quantity),
                platform=t.platform,
            )
            for t in totals
        ],
        holdings=[
            ledger_pb.Holding(
                subject_id=h.subject_id,
                state=h.state,
                vintage=h.vintage,
                quantity=str(h.quantity),
                serial=h.serial,
                digest=h.digest,
                trail=sorted(h.trail),
                platform=h.platform,
            )
            for h in holdings
        ],
    )
    try:
        report: ledger_pb.ReconciliationReport = partner_stub(channel).SubmitReconciliation(
            request, timeout=UNARY_TIMEOUT
        )
    except grpc.RpcError as error:
        raise HubCallError("SubmitReconciliation", error) from error
    return ReconciliationOutcome(
        reconciliation_id=report.reconciliation_id,
        counterpart=report.counterpart,
        status=ledger_pb.ReconciliationStatus.Name(report.status).removeprefix(
            "RECONCILIATION_STATUS_"
        ),
        discrepancies=tuple(
            DiscrepancyInfo(
                d.phase, d.kind, d.subject_id, d.hub_value, d.counterpart_value, d.resolved
            )
            for d in report.discrepancies
        ),
        frozen_block_ids=tuple(report.frozen_block_ids),
    )
