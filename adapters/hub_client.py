"""The partner side of the wire: send one mapped delivery to the hub.

Projects first (RegisterProjects, in chunks), then one bidirectional
SubmitClaims stream: envelopes of ``batch_size`` claims with a sequence
number, exactly one VerdictBatch back per envelope, in order, holding one
verdict per claim in the envelope's order.

Then the partner's other calls: attesting a cancellation at source or an
accounting adjustment, and answering (or starting) a reconciliation. Each
returns a small typed result; a failed call raises HubCallError.

Two writers of one partner (a nightly delivery and an operator's
attestation, say) share the partner's sequence, so one overtakes the other:
the hub refuses the overtaken write as ENVELOPE_REPLAYED and records
nothing. The client then catches its signer up with the hub's last sequence
and sends again what was not answered (``ReplayRetry``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import grpc

from adapters.check_columns import column_for
from adapters.delivery import Delivery, SourcedClaim, SourcedProject
from adapters.delivery_report import CheckOutcome, ClaimOutcome, DeliveryReport, ProjectOutcome
from adapters.partner_signing import (
    UNARY_TIMEOUT,
    PartnerSigner,
    SequencedMessage,
    last_recorded_sequence,
)
from carbonhub_contract.error_details import overtaken_write
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.receipts import verify_verdict_batch
from carbonhub_contract.signing import PublicKey
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.holdings import Holding, Total
from carbonhub_contract.vocabulary.records import (
    AdjustmentStatus,
    ClaimSubmission,
    Decision,
    OriginStatus,
    PartnerProjectStatus,
    ProjectSubmission,
)

T = TypeVar("T")
R = TypeVar("R")

# A delivery's claim stream may run long; past this the client gives up (the
# hub bounds every stream's life too, see HubSettings.stream_max_lifetime).
STREAM_TIMEOUT = 3600.0

_ORIGIN_STATUS: Mapping[OriginStatus, pb.OriginStatus] = {
    OriginStatus.NOT_ISSUED: pb.ORIGIN_STATUS_NOT_ISSUED,
    OriginStatus.ISSUED: pb.ORIGIN_STATUS_ISSUED,
    OriginStatus.CANCELLED: pb.ORIGIN_STATUS_CANCELLED,
}
_PROJECT_STATUS: Mapping[PartnerProjectStatus, pb.ProjectStatus] = {
    PartnerProjectStatus.REGISTERED: pb.PROJECT_STATUS_REGISTERED,
    PartnerProjectStatus.SUSPENDED: pb.PROJECT_STATUS_SUSPENDED,
    PartnerProjectStatus.DEREGISTERED: pb.PROJECT_STATUS_DEREGISTERED,
}
_DECISION: Mapping[int, Decision] = {
    pb.DECISION_ACCEPTED: Decision.ACCEPTED,
    pb.DECISION_REJECTED: Decision.REJECTED,
    pb.DECISION_HELD: Decision.HELD,
}
_SEVERITY: Mapping[int, Severity] = {
    pb.SEVERITY_ERROR: Severity.ERROR,
    pb.SEVERITY_REVIEW: Severity.REVIEW,
    pb.SEVERITY_WARNING: Severity.WARNING,
    pb.SEVERITY_INFO: Severity.INFO,
}


class HubProtocolError(Exception):
    """The hub's answers do not match what was sent (count, order, sequence),
    or a receipt does not verify under the hub's key."""


class HubCallError(Exception):
    """A call to the hub failed: unreachable, refused, or broken mid-stream."""

    def __init__(self, rpc: str, error: grpc.RpcError) -> None:
        code = error.code() if isinstance(error, grpc.Call) else None
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        name = code.name if code is not None else "UNKNOWN"
        super().__init__(f"{rpc} failed: {name}: {details}")
        self.rpc = rpc
        self.status = name
        self.details = details


@dataclass(frozen=True, slots=True)
class ReplayRetry:
    """How a write refused as overtaken (ENVELOPE_REPLAYED) is sent again.

    Such a refusal records nothing and means another writer of the partner
    advanced its sequence past the number sent. The client catches its
    signer up (GetPartnerSequence) and sends again after a short jittered
    pause, growing with each refusal, so the other writer's stream can move
    on instead of both overtaking each other in step. At most ``resends``
    times per request (for a claim stream: in a row, with no envelope
    answered in between), so a hub that refuses forever still ends in
    HubCallError.
    """

    resends: int = 20
    first_pause: float = 0.05  # seconds
    longest_pause: float = 2.0
    sleep: Callable[[float], None] = time.sleep

    def pause(self, refusals: int) -> None:
        """Wait before the resend that follows the ``refusals``-th refusal in a row."""
        ceiling = min(self.longest_pause, self.first_pause * 2 ** (refusals - 1))
        self.sleep(random.uniform(ceiling / 2, ceiling))


REPLAY_RETRY = ReplayRetry()


def _after_refusal(
    rpc: str,
    error: grpc.RpcError,
    refusals: int,
    stub: pb_grpc.PartnerServiceStub,
    signer: PartnerSigner,
    retry: ReplayRetry,
) -> None:
    """Get ready to send again after the ``refusals``-th refusal in a row, or raise.

    Anything but an overtaken write, or one refused more than ``retry``
    allows, raises HubCallError. Otherwise the signer numbers on above the
    hub's last sequence.
    """
    if not overtaken_write(error) or refusals > retry.resends:
        raise HubCallError(rpc, error) from error
    retry.pause(refusals)
    try:
        last = last_recorded_sequence(stub, signer.partner)
    except grpc.RpcError as failed:
        raise HubCallError("GetPartnerSequence", failed) from failed
    signer.catch_up(last)


def _signed_call(
    rpc: str,
    send: Callable[..., R],
    payload_type: PayloadType,
    request: SequencedMessage,
    *,
    stub: pb_grpc.PartnerServiceStub,
    signer: PartnerSigner,
    retry: ReplayRetry,
) -> R:
    """A unary signed write, the same request signed anew each time it is sent."""
    refusals = 0
    while True:
        try:
            return send(signer.sign(payload_type, request), timeout=UNARY_TIMEOUT)
        except grpc.RpcError as error:
            refusals += 1
            _after_refusal(rpc, error, refusals, stub, signer, retry)


def _text(value: str | None) -> str:
    return "" if value is None else value


def claim_to_proto(claim: ClaimSubmission) -> pb.Claim:
    """ClaimSubmission → wire Claim; None travels as the empty string."""
    return pb.Claim(
        record_id=claim.record_id,
        partner_methodology=claim.partner_methodology,
        period_start=claim.period_start,
        period_end=claim.period_end,
        time_zone=claim.time_zone,
        activity_quantity=claim.activity_quantity,
        activity_unit=claim.activity_unit,
        project_id=_text(claim.project_id),
        person_pseudonym=_text(claim.person_pseudonym),
        site_id=_text(claim.site_id),
        region_code=_text(claim.region_code),
        district=_text(claim.district),
        material=_text(claim.material),
        utility=_text(claim.utility),
        reported_tco2e=_text(claim.reported_tco2e),
        origin_status=_ORIGIN_STATUS[claim.origin_status],
        origin_serial=_text(claim.origin_serial),
        adjustment_ref=_text(claim.adjustment_ref),
        verifier=_text(claim.verifier),
        platform=_text(claim.platform),
        raw=dict(claim.raw),
    )


def project_to_proto(project: ProjectSubmission) -> pb.Project:
    return pb.Project(
        project_id=project.project_id,
        name=project.name,
        owner_name=project.owner_name,
        owner_credit_code=project.owner_credit_code,
        partner_methodology=project.partner_methodology,
        region_code=project.region_code,
        longitude=project.longitude,
        latitude=project.latitude,
        size_value=project.size_value,
        size_unit=project.size_unit,
        crediting_start=project.crediting_start,
        crediting_end=project.crediting_end,
        status=_PROJECT_STATUS[project.status],
        raw=dict(project.raw),
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _decision(value: int, what: str) -> Decision:
    decision = _DECISION.get(value)
    if decision is None:
        raise HubProtocolError(f"{what}: the hub answered with no decision ({value})")
    return decision


def _checks(
    checks: Sequence[pb.CheckResult], columns: Mapping[str, str]
) -> tuple[CheckOutcome, ...]:
    return tuple(
        CheckOutcome(
            code=c.code,
            # A severity from a newer contract is treated as blocking: the
            # partner must look rather than assume all is well.
            severity=_SEVERITY.get(c.severity, Severity.ERROR),
            message_zh=c.message_zh,
            message_en=c.message_en,
            details=dict(c.details),
            column=column_for(c.code, c.details, columns),
        )
        for c in checks
    )


def _register_projects(
    stub: pb_grpc.PartnerServiceStub,
    delivery: Delivery,
    signer: PartnerSigner,
    batch_size: int,
    retry: ReplayRetry,
) -> list[ProjectOutcome]:
    outcomes: list[ProjectOutcome] = []
    for chunk in _chunks(delivery.projects, batch_size):
        request = pb.RegisterProjectsRequest(
            partner=delivery.partner,
            delivery_id=delivery.delivery_id,
            projects=[project_to_proto(p.submission) for p in chunk],
        )
        response: pb.RegisterProjectsResponse = _signed_call(
            "RegisterProjects",
            stub.RegisterProjects,
            PayloadType.PROJECTS,
            request,
            stub=stub,
            signer=signer,
            retry=retry,
        )
        if len(response.results) != len(chunk):
            raise HubProtocolError(
                f"RegisterProjects: {len(chunk)} projects sent, {len(response.results)} results"
            )
        for sent, result in zip(chunk, response.results, strict=True):
            outcomes.append(_project_outcome(sent, result, delivery.project_columns))
    return outcomes


def _project_outcome(
    sent: SourcedProject, result: pb.ProjectResult, columns: Mapping[str, str]
) -> ProjectOutcome:
    project_id = sent.submission.project_id
    if result.project_id != project_id:
        raise HubProtocolError(
            f"RegisterProjects: result for {result.project_id!r} where {project_id!r} was sent"
        )
    return ProjectOutcome(
        source=sent.source,
        project_id=project_id,
        decision=_decision(result.decision, f"project {project_id}"),
        checks=_checks(result.checks, columns),
        review_state=_review_state(result.review_state),
    )


def _review_state(state: int, states: Any = pb.ProjectReviewState) -> str:
    """A project review or claim state's name without its prefix, "" when unspecified."""
    if state == 0:
        return ""
    try:
        name: str = states.Name(state)
    except ValueError:  # a newer hub's state: shown, not guessed
        return f"STATE_{state}"
    return name.split("_STATE_", 1)[1]


def _claim_outcome(
    sent: SourcedClaim, verdict: pb.Verdict, columns: Mapping[str, str]
) -> ClaimOutcome:
    record_id = sent.submission.record_id
    # The hub echoes a record id over its field limit cut to the limit
    # (docs/limits.md), with its own FIELD_TOO_LONG verdict: still this claim's.
    echoed = verdict.record_id == record_id or (
        bool(verdict.record_id)
        and len(verdict.record_id) < len(record_id)
        and record_id.startswith(verdict.record_id)
    )
    if not echoed:
        raise HubProtocolError(
            f"SubmitClaims: verdict for {verdict.record_id!r} where {record_id!r} was sent"
        )
    return ClaimOutcome(
        source=sent.source,
        record_id=record_id,
        claim_id=verdict.claim_id,
        decision=_decision(verdict.decision, f"claim {record_id}"),
        checks=_checks(verdict.checks, columns),
        resubmission=verdict.resubmission,
        methodology=verdict.methodology,
        vintage=verdict.vintage or None,
        reported_tco2e=verdict.reported_tco2e,
        recomputed_tco2e=verdict.recomputed_tco2e,
        credited_tco2e=verdict.credited_tco2e,
        state=_review_state(verdict.state, pb.ClaimState),
        block_serials=tuple(verdict.block_serials),
        carried_tco2e=verdict.carried_tco2e,
        origin_serial=sent.submission.origin_serial or "",
    )


class _ClaimStream:
    """One delivery's claims on SubmitClaims, sent again from the first
    unanswered envelope when the hub refuses one as overtaken.

    The hub handles a stream's envelopes one after another and records each
    before answering it, and a refused envelope records nothing, so after a
    refusal exactly the unanswered envelopes are sent again, on a new
    stream under new numbers: the answers received stay, in order, and no
    claim is recorded twice.
    """

    def __init__(
        self,
        stub: pb_grpc.PartnerServiceStub,
        delivery: Delivery,
        signer: PartnerSigner,
        batch_size: int,
        on_progress: Callable[[int], None] | None,
        receipts: _ReceiptCheck | None,
    ) -> None:
        self._stub = stub
        self._delivery = delivery
        self._signer = signer
        self._batches = list(_chunks(delivery.claims, batch_size))
        self._on_progress = on_progress
        self._receipts = receipts
        self._answered = 0
        self._outcomes: list[ClaimOutcome] = []

    def send(self, retry: ReplayRetry) -> list[ClaimOutcome]:
        refusals = 0
        while self._answered < len(self._batches):
            answered = self._answered
            try:
                self._stream()
            except grpc.RpcError as error:
                # Answers since the last refusal mean this writer is moving,
                # not starved: the bound counts refusals in a row.
                refusals = 1 if self._answered > answered else refusals + 1
                _after_refusal("SubmitClaims", error, refusals, self._stub, self._signer, retry)
        return self._outcomes

    def _stream(self) -> None:
        """One SubmitClaims call carrying the envelopes not answered yet."""
        delivery, batches, first = self._delivery, self._batches, self._answered
        stop = threading.Event()
        sequences: list[int] = []  # of this call's envelopes, as signed

        def envelopes() -> Iterator[ledger_pb.SignedPayload]:
            # Signed as gRPC takes them, from fresh messages: an abandoned
            # call's iterator can never renumber what the next call sends.
            for batch in batches[first:]:
                if stop.is_set():
                    return
                envelope = pb.ClaimEnvelope(
                    partner=delivery.partner,
                    delivery_id=delivery.delivery_id,
                    claims=[claim_to_proto(c.submission) for c in batch],
                )
                signed = self._signer.sign(PayloadType.CLAIM_ENVELOPE, envelope)
                sequences.append(envelope.sequence)
                yield signed

        call = self._stub.SubmitClaims(envelopes(), timeout=STREAM_TIMEOUT)
        try:
            for answer in call:
                if self._answered >= len(batches):
                    raise HubProtocolError(
                        f"SubmitClaims: {self._answered + 1} verdict batches for "
                        f"{len(batches)} envelopes"
                    )
                self._take(answer, sequences[self._answered - first])
            if self._answered != len(batches):
                raise HubProtocolError(
                    f"SubmitClaims: {len(batches)} envelopes sent, "
                    f"{self._answered} verdict batches came back"
                )
        except HubProtocolError:
            call.cancel()
            raise
        finally:
            stop.set()

    def _take(self, answer: pb.VerdictBatch, due: int) -> None:
        """The answer to the first unanswered envelope, signed with sequence ``due``."""
        number = self._answered + 1
        batch = self._batches[self._answered]
        if answer.sequence != due:
            raise HubProtocolError(
                f"SubmitClaims: envelope {answer.sequence} answered where {due} was due"
            )
        if self._receipts is not None:
            self._receipts(self._delivery.partner, answer)
        if len(answer.verdicts) != len(batch):
            raise HubProtocolError(
                f"SubmitClaims: envelope {number} held {len(batch)} claims, "
                f"{len(answer.verdicts)} verdicts came back"
            )
        columns = self._delivery.claim_columns
        self._outcomes.extend(
            _claim_outcome(sent, verdict, columns)
            for sent, verdict in zip(batch, answer.verdicts, strict=True)
        )
        self._answered = number
        if self._on_progress is not None:
            self._on_progress(len(batch))


class _ReceiptCheck:
    """Checks each verdict batch's receipt under the hub key and hands it on."""

    def __init__(
        self, hub_key: PublicKey | None, keep: Callable[[ledger_pb.Receipt], None] | None
    ) -> None:
        self._hub_key = hub_key
        self._keep = keep

    def __call__(self, partner: str, batch: pb.VerdictBatch) -> None:
        if self._hub_key is not None:
            check = verify_verdict_batch(partner, batch, self._hub_key)
            if not check.valid:
                raise HubProtocolError(
                    f"SubmitClaims: the receipt of envelope {batch.sequence} does not "
                    f"verify: {check.reason}"
                )
        if self._keep is not None:
            self._keep(batch.receipt)


def submit_delivery(
    delivery: Delivery,
    channel: grpc.Channel,
    signer: PartnerSigner,
    *,
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
    hub_key: PublicKey | None = None,
    on_receipt: Callable[[ledger_pb.Receipt], None] | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> DeliveryReport:
    """Send a delivery: projects first, then its claims on one stream, every
    request signed by ``signer``.

    ``on_progress`` is called with the number of claims whose verdicts just
    arrived, once per verdict batch. With ``hub_key`` each verdict batch's
    receipt must verify under the hub's signing key (else HubProtocolError);
    ``on_receipt`` receives every receipt, to keep as proof. A write
    overtaken by another writer of the partner is sent again (``retry``):
    of the claims, the envelopes not answered yet, so each claim gets one
    verdict, in the delivery's order. Raises HubCallError when a call fails
    (hub unreachable, refused, stream broken) and HubProtocolError when the
    answers do not match what was sent; the adapter's own problems are in
    the returned report, never raised.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if signer.partner != delivery.partner:
        raise ValueError(f"a {signer.partner} key cannot sign a delivery of {delivery.partner}")
    stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
    receipts = _ReceiptCheck(hub_key, on_receipt) if hub_key or on_receipt else None
    projects = _register_projects(stub, delivery, signer, batch_size, retry)
    claims = _ClaimStream(stub, delivery, signer, batch_size, on_progress, receipts).send(retry)
    return DeliveryReport(
        partner=delivery.partner,
        delivery_id=delivery.delivery_id,
        rows_read=delivery.rows_read,
        problems=tuple(delivery.problems),
        claims=tuple(claims),
        projects=tuple(projects),
    )


# -- lock at source, accounting adjustments, reconciliation ------------------------

_ADJUSTMENT: Mapping[AdjustmentStatus, ledger_pb.AdjustmentStatus] = {
    AdjustmentStatus.COMMITTED: ledger_pb.ADJUSTMENT_STATUS_COMMITTED,
    AdjustmentStatus.COMPLETED: ledger_pb.ADJUSTMENT_STATUS_COMPLETED,
    AdjustmentStatus.REVOKED: ledger_pb.ADJUSTMENT_STATUS_REVOKED,
}


@dataclass(frozen=True, slots=True)
class AttestationOutcome:
    """The hub's answer to an attestation."""

    accepted: bool
    replay: bool  # the same attestation was recorded before: nothing changed
    check_codes: tuple[str, ...]  # why it was refused
    messages: tuple[str, ...]  # the checks' English messages, in the same order
    claim_ids: tuple[str, ...]  # claims it released for issuance
    block_ids: tuple[str, ...]  # blocks it made routable
    checks: tuple[CheckOutcome, ...] = ()  # the refusing checks whole, for the partner's language


@dataclass(frozen=True, slots=True)
class ReconciliationRequestInfo:
    reconciliation_id: str
    counterpart: str
    requested_at: str


@dataclass(frozen=True, slots=True)
class DiscrepancyInfo:
    phase: str  # TOTALS, UNIT_BLOCKS, AUDIT_TRAIL
    kind: str
    subject_id: str
    hub_value: str
    counterpart_value: str
    resolved: bool


@dataclass(frozen=True, slots=True)
class ReconciliationOutcome:
    reconciliation_id: str
    counterpart: str
    status: str  # CONSISTENT, INCONSISTENT, COMPLETED_WITH_MANUAL_INTERVENTION, REQUESTED
    discrepancies: tuple[DiscrepancyInfo, ...]
    frozen_block_ids: tuple[str, ...]

    @property
    def consistent(self) -> bool:
        return self.status == "CONSISTENT"


def _stub(channel: grpc.Channel) -> pb_grpc.PartnerServiceStub:
    return pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("attestation times must carry a time zone")
    return moment.isoformat()


def _attestation_outcome(result: pb.AttestationResult) -> AttestationOutcome:
    return AttestationOutcome(
        accepted=result.accepted,
        replay=result.replay,
        check_codes=tuple(c.code for c in result.checks),
        messages=tuple(c.message_en for c in result.checks),
        claim_ids=tuple(result.claim_ids),
        block_ids=tuple(result.block_ids),
        checks=_checks(result.checks, {}),
    )


def attest_source_cancellation(
    channel: grpc.Channel,
    signer: PartnerSigner,
    claim_id: str,
    origin_serial: str,
    cancellation_id: str,
    note: str,
    cancelled_at: datetime,
    *,
    cancelled_units: tuple[int, int] | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> AttestationOutcome:
    """Lock at source: the origin cancelled ``origin_serial`` for the hub's claim,
    or only its units ``cancelled_units`` (first, last), the origin keeping the rest.

    Sent again under a new number when another writer of the partner
    overtook it (see ReplayRetry)."""
    request = pb.SourceCancellationAttestation(
        partner=signer.partner,
        claim_id=claim_id,
        origin_serial=origin_serial,
        cancellation_id=cancellation_id,
        note=note,
        cancelled_at=_rfc3339(cancelled_at),
        cancelled_first=cancelled_units[0] if cancelled_units else 0,
        cancelled_last=cancelled_units[1] if cancelled_units else 0,
    )
    stub = _stub(channel)
    result: pb.AttestationResult = _signed_call(
        "AttestSourceCancellation",
        stub.AttestSourceCancellation,
        PayloadType.SOURCE_CANCELLATION,
        request,
        stub=stub,
        signer=signer,
        retry=retry,
    )
    return _attestation_outcome(result)


def attest_adjustment(
    channel: grpc.Channel,
    signer: PartnerSigner,
    reference: str,
    status: AdjustmentStatus,
    attested_at: datetime,
    note: str = "",
    *,
    quantity: Decimal | None = None,
    vintage: int | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> AttestationOutcome:
    """The origin's inventory exclusion ``reference`` (the wire's accounting
    adjustment) moved to COMMITTED or COMPLETED, covering ``quantity`` tCO2e
    of ``vintage``, or was REVOKED.

    Sent again under a new number when another writer of the partner
    overtook it (see ReplayRetry)."""
    wire_status = _ADJUSTMENT.get(status)
    if wire_status is None:
        raise ValueError(
            f"an attestation moves an inventory exclusion to COMMITTED, COMPLETED or REVOKED, "
            f"not {status}"
        )
    request = pb.AccountingAdjustmentAttestation(
        partner=signer.partner,
        reference=reference,
        status=wire_status,
        attested_at=_rfc3339(attested_at),
        note=note,
        quantity_tco2e="" if quantity is None else str(quantity),
        vintage=vintage or 0,
    )
    stub = _stub(channel)
    result: pb.AttestationResult = _signed_call(
        "AttestAccountingAdjustment",
        stub.AttestAccountingAdjustment,
        PayloadType.ACCOUNTING_ADJUSTMENT,
        request,
        stub=stub,
        signer=signer,
        retry=retry,
    )
    return _attestation_outcome(result)


def list_reconciliation_requests(
    channel: grpc.Channel, partner: str
) -> list[ReconciliationRequestInfo]:
    """The reconciliations the hub asked of ``partner`` and that await its holdings."""
    try:
        response: ledger_pb.ListReconciliationRequestsResponse = _stub(
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
        report: ledger_pb.ReconciliationReport = _stub(channel).SubmitReconciliation(
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
