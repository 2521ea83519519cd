"""The partner side of the wire: send one mapped delivery to the hub.

Projects first (RegisterProjects, in chunks), then one bidirectional
SubmitClaims stream: envelopes of ``batch_size`` claims with a sequence
number, exactly one VerdictBatch back per envelope, in order, holding one
verdict per claim in the envelope's order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

import grpc

from adapters.check_columns import column_for
from adapters.delivery import Delivery, SourcedClaim, SourcedProject
from adapters.delivery_report import CheckOutcome, ClaimOutcome, DeliveryReport, ProjectOutcome
from hub.domain.checks import Severity
from hub.domain.claims import ClaimSubmission, Decision, OriginStatus
from hub.domain.projects import PartnerProjectStatus, ProjectSubmission
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2 as pb
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc

T = TypeVar("T")

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
    """The hub's answers do not match what was sent (count, order, sequence)."""


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
    stub: pb_grpc.PartnerServiceStub, delivery: Delivery, batch_size: int
) -> list[ProjectOutcome]:
    outcomes: list[ProjectOutcome] = []
    for chunk in _chunks(delivery.projects, batch_size):
        request = pb.RegisterProjectsRequest(
            partner=delivery.partner,
            delivery_id=delivery.delivery_id,
            projects=[project_to_proto(p.submission) for p in chunk],
        )
        try:
            response: pb.RegisterProjectsResponse = stub.RegisterProjects(request)
        except grpc.RpcError as error:
            raise HubCallError("RegisterProjects", error) from error
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
    )


def _claim_outcome(
    sent: SourcedClaim, verdict: pb.Verdict, columns: Mapping[str, str]
) -> ClaimOutcome:
    record_id = sent.submission.record_id
    if verdict.record_id != record_id:
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
    )


def _submit_claims(
    stub: pb_grpc.PartnerServiceStub,
    delivery: Delivery,
    batch_size: int,
    on_progress: Callable[[int], None] | None,
) -> list[ClaimOutcome]:
    batches = list(_chunks(delivery.claims, batch_size))
    if not batches:
        return []
    stop = threading.Event()

    def envelopes() -> Iterator[pb.ClaimEnvelope]:
        for sequence, batch in enumerate(batches, start=1):
            if stop.is_set():
                return
            yield pb.ClaimEnvelope(
                partner=delivery.partner,
                delivery_id=delivery.delivery_id,
                sequence=sequence,
                claims=[claim_to_proto(c.submission) for c in batch],
            )

    outcomes: list[ClaimOutcome] = []
    call = stub.SubmitClaims(envelopes())
    try:
        answered = 0
        for answer in call:
            answered += 1
            if answered > len(batches):
                raise HubProtocolError(
                    f"SubmitClaims: {answered} verdict batches for {len(batches)} envelopes"
                )
            batch = batches[answered - 1]
            if answer.sequence != answered:
                raise HubProtocolError(
                    f"SubmitClaims: batch {answer.sequence} answered where {answered} was due"
                )
            if len(answer.verdicts) != len(batch):
                raise HubProtocolError(
                    f"SubmitClaims: envelope {answered} held {len(batch)} claims, "
                    f"{len(answer.verdicts)} verdicts came back"
                )
            for sent, verdict in zip(batch, answer.verdicts, strict=True):
                outcomes.append(_claim_outcome(sent, verdict, delivery.claim_columns))
            if on_progress is not None:
                on_progress(len(batch))
        if answered != len(batches):
            raise HubProtocolError(
                f"SubmitClaims: {len(batches)} envelopes sent, {answered} verdict batches came back"
            )
    except grpc.RpcError as error:
        raise HubCallError("SubmitClaims", error) from error
    except HubProtocolError:
        stop.set()
        call.cancel()
        raise
    return outcomes


def submit_delivery(
    delivery: Delivery,
    channel: grpc.Channel,
    *,
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
) -> DeliveryReport:
    """Send a delivery: projects first, then its claims on one stream.

    ``on_progress`` is called with the number of claims whose verdicts just
    arrived, once per verdict batch. Raises HubCallError when a call fails
    (hub unreachable, refused, stream broken) and HubProtocolError when the
    answers do not match what was sent; the adapter's own problems are in
    the returned report, never raised.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
    projects = _register_projects(stub, delivery, batch_size)
    claims = _submit_claims(stub, delivery, batch_size, on_progress)
    return DeliveryReport(
        partner=delivery.partner,
        delivery_id=delivery.delivery_id,
        rows_read=delivery.rows_read,
        problems=tuple(delivery.problems),
        claims=tuple(claims),
        projects=tuple(projects),
    )
