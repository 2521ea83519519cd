"""The BureauService: review operations, each audited with the officer named by
the caller's bureau certificate (never by a field of the request)."""

from __future__ import annotations

import grpc

from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2_grpc as pb_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.receipts import ReceiptSigner
from hub.errors import HubError
from hub.grpc_api import field_checks, ledger_conversion
from hub.grpc_api.guard import caller
from hub.grpc_api.status_mapping import abort
from hub.services.bureau import BureauService, SupervisionOutcome
from hub.services.reconciliation import ReconciliationService


class BureauServicer(pb_grpc.BureauServiceServicer):
    def __init__(
        self,
        bureau: BureauService,
        reconciliations: ReconciliationService,
        *,
        receipts: ReceiptSigner,
    ) -> None:
        self._bureau = bureau
        self._reconciliations = reconciliations
        self._receipts = receipts

    def CancelBlock(
        self, request: pb.CancelBlockRequest, context: grpc.ServicerContext
    ) -> ledger_pb.Block:
        try:
            field_checks.check(request)
            block = self._bureau.cancel_block(request.block_id, request.reason, caller().subject)
            return self._receipts.sign_block(ledger_conversion.block_to_proto(block))
        except HubError as error:
            abort(context, error)

    def SuspendProject(
        self, request: pb.SuperviseProjectRequest, context: grpc.ServicerContext
    ) -> pb.SupervisionResult:
        try:
            field_checks.check(request)
            outcome = self._bureau.suspend_project(
                request.partner, request.project_id, request.reason, caller().subject
            )
            return _supervision(outcome)
        except HubError as error:
            abort(context, error)

    def ResumeProject(
        self, request: pb.SuperviseProjectRequest, context: grpc.ServicerContext
    ) -> pb.SupervisionResult:
        try:
            field_checks.check(request)
            outcome = self._bureau.resume_project(
                request.partner, request.project_id, request.reason, caller().subject
            )
            return _supervision(outcome)
        except HubError as error:
            abort(context, error)

    def ResolveDiscrepancy(
        self, request: pb.ResolveDiscrepancyRequest, context: grpc.ServicerContext
    ) -> ledger_pb.ReconciliationReport:
        try:
            field_checks.check(request)
            stored = self._reconciliations.resolve(
                request.discrepancy_id, request.resolution, caller().subject
            )
            return ledger_conversion.reconciliation_report_to_proto(stored)
        except HubError as error:
            abort(context, error)


def _supervision(outcome: SupervisionOutcome) -> pb.SupervisionResult:
    return pb.SupervisionResult(
        partner=outcome.partner,
        project_id=outcome.project_id,
        suspended=outcome.suspended,
        claims_changed=list(outcome.claims_changed),
    )
