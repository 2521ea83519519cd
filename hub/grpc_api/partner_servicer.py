"""The PartnerService: parse, call a service, convert. No rules live here."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import grpc

from hub.domain.claims import ClaimSubmission
from hub.domain.identity import Role
from hub.domain.reconciliation import EXCHANGE
from hub.domain.signed_payloads import PayloadType
from hub.errors import HubError, InvalidRequest, NotFound, PermissionDenied, TooLarge
from hub.grpc_api import conversion, ledger_conversion
from hub.grpc_api.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2 as pb
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from hub.grpc_api.guard import caller, charge_claims
from hub.grpc_api.signed_payloads import open_payload, require_acts_for
from hub.grpc_api.status_mapping import abort
from hub.services.attestation import AttestationService
from hub.services.ingestion import IngestionService
from hub.services.projects import ProjectRegistrationService
from hub.services.reconciliation import ReconciliationService
from hub.trust.receipts import ReceiptSigner, claim_status_statement

log = logging.getLogger(__name__)


class PartnerServicer(pb_grpc.PartnerServiceServicer):
    def __init__(
        self,
        ingestion: IngestionService,
        projects: ProjectRegistrationService,
        *,
        attestations: AttestationService,
        reconciliations: ReconciliationService,
        receipts: ReceiptSigner,
        max_claims_per_envelope: int,
    ) -> None:
        self._ingestion = ingestion
        self._projects = projects
        self._attestations = attestations
        self._reconciliations = reconciliations
        self._receipts = receipts
        self._max_claims = max_claims_per_envelope

    def SubmitClaims(
        self, request_iterator: Iterator[ledger_pb.SignedPayload], context: grpc.ServicerContext
    ) -> Iterator[pb.VerdictBatch]:
        stream_partner: str | None = None
        try:
            for signed in request_iterator:
                envelope, record = open_payload(
                    signed, PayloadType.CLAIM_ENVELOPE, pb.ClaimEnvelope(), caller()
                )
                partner = envelope.partner
                if stream_partner is None:
                    stream_partner = partner
                elif partner != stream_partner:
                    raise InvalidRequest(
                        "STREAM_PARTNER_CHANGED",
                        f"one stream carries one partner: {stream_partner}, then {partner}",
                        {"partner": partner, "stream_partner": stream_partner},
                    )
                if len(envelope.claims) > self._max_claims:
                    raise TooLarge(
                        "ENVELOPE_TOO_LARGE",
                        f"{len(envelope.claims)} claims in one envelope; "
                        f"at most {self._max_claims}",
                        {"claims": str(len(envelope.claims)), "limit": str(self._max_claims)},
                    )
                charge_claims(len(envelope.claims))
                submissions = [_claim(partner, envelope.delivery_id, c) for c in envelope.claims]
                verdicts = self._ingestion.submit(partner, submissions, signed=record)
                batch = conversion.verdict_batch(envelope.sequence, verdicts)
                yield self._receipts.sign_verdict_batch(partner, batch)
        except HubError as error:
            log.warning("SubmitClaims refused: %s", error)
            abort(context, error)

    def GetClaimStatus(
        self, request: pb.GetClaimStatusRequest, context: grpc.ServicerContext
    ) -> pb.ClaimStatusResponse:
        try:
            partner = _required(request.partner, "partner")
            record_id = _required(request.record_id, "record_id")
            who = caller()
            if who.role is not Role.BUREAU:
                require_acts_for(who, partner)
            status = self._ingestion.status(partner, record_id)
            if status is None:
                raise NotFound(
                    "CLAIM_NOT_FOUND",
                    f"no claim {record_id} of {partner}",
                    {"partner": partner, "record_id": record_id},
                )
            verdict = conversion.claim_status_to_proto(status)
            return pb.ClaimStatusResponse(
                verdict=verdict,
                receipt=self._receipts.receipt(claim_status_statement(partner, verdict)),
            )
        except HubError as error:
            abort(context, error)

    def GetPartnerSequence(
        self, request: pb.GetPartnerSequenceRequest, context: grpc.ServicerContext
    ) -> pb.PartnerSequence:
        try:
            partner = _required(request.partner, "partner")
            require_acts_for(caller(), partner)
            return pb.PartnerSequence(
                partner=partner, last_sequence=self._ingestion.last_sequence(partner)
            )
        except HubError as error:
            abort(context, error)

    def RegisterProjects(
        self, signed: ledger_pb.SignedPayload, context: grpc.ServicerContext
    ) -> pb.RegisterProjectsResponse:
        try:
            request, record = open_payload(
                signed, PayloadType.PROJECTS, pb.RegisterProjectsRequest(), caller()
            )
            partner = request.partner
            if len(request.projects) > self._max_claims:
                raise TooLarge(
                    "REQUEST_TOO_LARGE",
                    f"{len(request.projects)} projects in one request; at most {self._max_claims}",
                    {"projects": str(len(request.projects)), "limit": str(self._max_claims)},
                )
            submissions = []
            for project in request.projects:
                try:
                    submissions.append(conversion.project_from_proto(partner, project))
                except ValueError as problem:
                    raise InvalidRequest(
                        "PROJECT_MALFORMED", str(problem), {"project_id": project.project_id}
                    ) from problem
            results = self._projects.register(partner, submissions, signed=record)
            return pb.RegisterProjectsResponse(
                results=[conversion.project_result_to_proto(r) for r in results]
            )
        except HubError as error:
            abort(context, error)

    def AttestSourceCancellation(
        self, signed: ledger_pb.SignedPayload, context: grpc.ServicerContext
    ) -> pb.AttestationResult:
        try:
            request, record = open_payload(
                signed,
                PayloadType.SOURCE_CANCELLATION,
                pb.SourceCancellationAttestation(),
                caller(),
            )
            args = ledger_conversion.source_cancellation_from_proto(request)
            outcome = self._attestations.attest_source_cancellation(
                args.partner,
                args.claim_id,
                args.origin_serial,
                args.cancellation_id,
                args.note,
                args.cancelled_at,
                signed=record,
            )
            return ledger_conversion.attestation_result_to_proto(outcome)
        except HubError as error:
            abort(context, error)

    def AttestAccountingAdjustment(
        self, signed: ledger_pb.SignedPayload, context: grpc.ServicerContext
    ) -> pb.AttestationResult:
        try:
            request, record = open_payload(
                signed,
                PayloadType.ACCOUNTING_ADJUSTMENT,
                pb.AccountingAdjustmentAttestation(),
                caller(),
            )
            args = ledger_conversion.adjustment_from_proto(request)
            outcome = self._attestations.attest_adjustment(
                args.partner,
                args.reference,
                args.status,
                args.attested_at,
                args.note,
                signed=record,
            )
            return ledger_conversion.attestation_result_to_proto(outcome)
        except HubError as error:
            abort(context, error)

    def ListReconciliationRequests(
        self, request: ledger_pb.ListReconciliationRequestsRequest, context: grpc.ServicerContext
    ) -> ledger_pb.ListReconciliationRequestsResponse:
        try:
            partner = _partner_counterpart(request.partner)
            requested = self._reconciliations.requested(partner)
            return ledger_pb.ListReconciliationRequestsResponse(
                requests=[ledger_conversion.reconciliation_request_to_proto(r) for r in requested]
            )
        except HubError as error:
            abort(context, error)

    def SubmitReconciliation(
        self, request: ledger_pb.SubmitReconciliationRequest, context: grpc.ServicerContext
    ) -> ledger_pb.ReconciliationReport:
        try:
            partner = _partner_counterpart(request.partner)
            stored = self._reconciliations.submit(
                partner,
                request.reconciliation_id or None,
                ledger_conversion.totals_from_proto(request.totals),
                ledger_conversion.holdings_from_proto(request.holdings),
            )
            return ledger_conversion.reconciliation_report_to_proto(stored)
        except HubError as error:
            abort(context, error)


def _partner_counterpart(value: str) -> str:
    partner = _required(value, "partner")
    if partner == EXCHANGE:
        # The exchange's reconciliation shares the counterpart namespace with
        # partner codes: it is reached through the ExchangeService only.
        raise PermissionDenied(
            "COUNTERPART_NOT_A_PARTNER",
            f"{EXCHANGE} reconciles through the ExchangeService",
            {"partner": partner},
        )
    require_acts_for(caller(), partner)
    return partner


def _required(value: str, name: str) -> str:
    if not value.strip():
        raise InvalidRequest("FIELD_REQUIRED", f"{name} is required", {"field": name})
    return value


def _claim(partner: str, delivery_id: str, claim: pb.Claim) -> ClaimSubmission:
    if not claim.record_id.strip():
        raise InvalidRequest(
            "FIELD_REQUIRED", "every claim needs a record_id", {"field": "record_id"}
        )
    try:
        return conversion.claim_from_proto(partner, delivery_id, claim)
    except ValueError as problem:
        raise InvalidRequest(
            "CLAIM_MALFORMED", str(problem), {"record_id": claim.record_id}
        ) from problem
