"""The PartnerService: parse, call a service, convert. No rules live here."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import grpc

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.receipts import ReceiptSigner, claim_status_statement
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.checks import CheckResult
from hub.domain.claims import Verdict
from hub.domain.identity import Role
from hub.domain.issuance import ClaimState
from hub.domain.reconciliation import EXCHANGE
from hub.domain.signed_payloads import SignedRecord
from hub.errors import HubError, InvalidRequest, NotFound, PermissionDenied, TooLarge
from hub.grpc_api import (
    conversion,
    field_checks,
    ledger_conversion,
    points_conversion,
    proof_conversion,
)
from hub.grpc_api.guard import caller, charge_claims
from hub.grpc_api.signed_payloads import open_payload, require_acts_for
from hub.grpc_api.status_mapping import abort
from hub.services.attestation import AttestationService
from hub.services.ingestion import ClaimStatus, IngestionService
from hub.services.partner_proofs import PartnerProofs
from hub.services.points import PointsService
from hub.services.projects import ProjectRegistrationService, ProjectResult
from hub.services.reconciliation import ReconciliationService

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
        points: PointsService,
        proofs: PartnerProofs | None = None,
    ) -> None:
        self._ingestion = ingestion
        self._projects = projects
        self._attestations = attestations
        self._reconciliations = reconciliations
        self._receipts = receipts
        self._max_claims = max_claims_per_envelope
        self._points = points
        self._proofs = proofs

    def SubmitClaims(
        self, request_iterator: Iterator[ledger_pb.SignedPayload], context: grpc.ServicerContext
    ) -> Iterator[pb.VerdictBatch]:
        stream_partner: str | None = None
        try:
            for signed in request_iterator:
                envelope, record = open_payload(
                    signed,
                    PayloadType.CLAIM_ENVELOPE,
                    pb.ClaimEnvelope(),
                    caller(),
                    self._ingestion.check_signature,
                    items="claims",
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
                statuses = self._decide_envelope(envelope, record)
                batch = conversion.verdict_batch(envelope.sequence, statuses)
                yield self._receipts.sign_verdict_batch(partner, batch)
        except HubError as error:
            # The code only: a refusal's message may quote what the partner sent.
            log.warning("SubmitClaims refused: %s", error.code)
            abort(context, error)

    def _decide_envelope(
        self, envelope: pb.ClaimEnvelope, record: SignedRecord
    ) -> list[ClaimStatus]:
        """A claim the hub cannot take as sent (a field over its limit, no record
        id, an unknown enum value) gets a REJECTED verdict of its own, recorded
        nowhere; the others are decided and recorded with the envelope."""
        partner = envelope.partner
        refused: dict[int, ClaimStatus] = {}
        submissions: list[ClaimSubmission] = []
        for index, claim in enumerate(envelope.claims):
            checks = conversion.claim_checks(claim)
            if checks:
                refused[index] = _refused_claim(
                    partner, conversion.echoed(claim, "record_id"), checks
                )
            else:
                submissions.append(
                    conversion.claim_from_proto(partner, envelope.delivery_id, claim)
                )
        decided = iter(self._ingestion.decide(partner, submissions, signed=record))
        return [
            refused[index] if index in refused else next(decided)
            for index in range(len(envelope.claims))
        ]

    def GetClaimStatus(
        self, request: pb.GetClaimStatusRequest, context: grpc.ServicerContext
    ) -> pb.ClaimStatusResponse:
        try:
            field_checks.check(request)
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
            field_checks.check(request)
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
                signed,
                PayloadType.PROJECTS,
                pb.RegisterProjectsRequest(),
                caller(),
                self._ingestion.check_signature,
                items="projects",
            )
            partner = request.partner
            if len(request.projects) > self._max_claims:
                raise TooLarge(
                    "REQUEST_TOO_LARGE",
                    f"{len(request.projects)} projects in one request; at most {self._max_claims}",
                    {"projects": str(len(request.projects)), "limit": str(self._max_claims)},
                )
            # A project the hub cannot take as sent is rejected on its own;
            # the others are registered with the request.
            refused: dict[int, ProjectResult] = {}
            submissions = []
            for index, project in enumerate(request.projects):
                checks = conversion.project_checks(project)
                if checks:
                    refused[index] = ProjectResult(
                        conversion.echoed(project, "project_id"), Decision.REJECTED, tuple(checks)
                    )
                else:
                    submissions.append(conversion.project_from_proto(partner, project))
            registered = iter(self._projects.register(partner, submissions, signed=record))
            results = [
                refused[index] if index in refused else next(registered)
                for index in range(len(request.projects))
            ]
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
                self._ingestion.check_signature,
            )
            args = ledger_conversion.source_cancellation_from_proto(request)
            outcome = self._attestations.attest_source_cancellation(
                args.partner,
                args.claim_id,
                args.origin_serial,
                args.cancellation_id,
                args.note,
                args.cancelled_at,
                cancelled_first=args.cancelled_first,
                cancelled_last=args.cancelled_last,
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
                self._ingestion.check_signature,
            )
            args = ledger_conversion.adjustment_from_proto(request)
            outcome = self._attestations.attest_adjustment(
                args.partner,
                args.reference,
                args.status,
                args.attested_at,
                args.note,
                quantity=args.quantity,
                vintage=args.vintage,
                signed=record,
            )
            return ledger_conversion.attestation_result_to_proto(outcome)
        except HubError as error:
            abort(context, error)

    def RedeemPoints(
        self, signed: ledger_pb.SignedPayload, context: grpc.ServicerContext
    ) -> pb.PointsRedemption:
        try:
            request, record = open_payload(
                signed,
                PayloadType.POINTS_REDEMPTION,
                pb.RedeemPointsRequest(),
                caller(),
                self._points.check_signature,
            )
            args = points_conversion.redemption_from_proto(request)
            redemption = self._points.redeem(
                args.partner,
                args.person,
                args.redemption_id,
                args.points,
                purpose=args.purpose,
                redeemed_at=args.redeemed_at,
                signed=record,
            )
            return points_conversion.redemption_to_proto(redemption)
        except HubError as error:
            abort(context, error)

    def GetPointsBalance(
        self, request: pb.GetPointsBalanceRequest, context: grpc.ServicerContext
    ) -> pb.PointsBalance:
        try:
            field_checks.check(request)
            partner = _required(request.partner, "partner")
            require_acts_for(caller(), partner)
            person = request.person_pseudonym.strip()
            statement = self._points.statement(partner, person)
            return points_conversion.balance_to_proto(partner, person, statement)
        except HubError as error:
            abort(context, error)

    def _partner_proofs(self) -> PartnerProofs:
        if self._proofs is None:
            # A hub built without a ledger's log (tests of other calls) has none.
            raise NotFound("TRANSPARENCY_NO_TREE_HEAD", "this hub keeps no transparency log", {})
        return self._proofs

    def GetInclusionProof(
        self, request: pb.GetInclusionProofRequest, context: grpc.ServicerContext
    ) -> pb.InclusionProof:
        try:
            field_checks.check(request)
            partner = _required(request.partner, "partner")
            require_acts_for(caller(), partner)
            found = self._partner_proofs().inclusion(
                partner,
                claim_id=request.claim_id.strip() or None,
                record_id=request.record_id.strip() or None,
                tree_size=proof_conversion.tree_size(request.tree_size),
            )
            return proof_conversion.inclusion_to_proto(found)
        except HubError as error:
            abort(context, error)

    def GetConsistencyProof(
        self, request: pb.GetConsistencyProofRequest, context: grpc.ServicerContext
    ) -> pb.ConsistencyProof:
        try:
            field_checks.check(request)
            partner = _required(request.partner, "partner")
            require_acts_for(caller(), partner)
            answer = self._partner_proofs().consistency(
                request.first, proof_conversion.tree_size(request.second)
            )
            return proof_conversion.consistency_to_proto(answer)
        except HubError as error:
            abort(context, error)

    def ListReconciliationRequests(
        self, request: ledger_pb.ListReconciliationRequestsRequest, context: grpc.ServicerContext
    ) -> ledger_pb.ListReconciliationRequestsResponse:
        try:
            field_checks.check(request)
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
            field_checks.check(request)
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


def _refused_claim(partner: str, record_id: str, checks: list[CheckResult]) -> ClaimStatus:
    """The verdict on a claim refused at the boundary: no claim id (nothing is
    recorded), the record id echoed (conversion.echoed) so the partner can match it."""
    verdict = Verdict(
        partner=partner,
        record_id=record_id,
        claim_id="",
        decision=Decision.REJECTED,
        checks=tuple(checks),
        resubmission=False,
    )
    return ClaimStatus(verdict, ClaimState.REJECTED, (), None)
