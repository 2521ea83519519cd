"""Protobuf <-> domain conversion. Protobuf types go no further than this package."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    Decision,
    OriginStatus,
    PartnerProjectStatus,
    ProjectSubmission,
)
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import Trace, Verdict
from hub.domain.issuance import ClaimState, initial_state
from hub.domain.project_review import ProjectReviewState
from hub.grpc_api import field_checks, field_limits
from hub.services.ingestion import ClaimStatus
from hub.services.issuance_port import IssuedPart
from hub.services.projects import ProjectResult

_ORIGIN = {
    pb.ORIGIN_STATUS_UNSPECIFIED: OriginStatus.NOT_ISSUED,
    pb.ORIGIN_STATUS_NOT_ISSUED: OriginStatus.NOT_ISSUED,
    pb.ORIGIN_STATUS_ISSUED: OriginStatus.ISSUED,
    pb.ORIGIN_STATUS_CANCELLED: OriginStatus.CANCELLED,
}
_DECISION = {
    Decision.ACCEPTED: pb.DECISION_ACCEPTED,
    Decision.REJECTED: pb.DECISION_REJECTED,
    Decision.HELD: pb.DECISION_HELD,
}
_SEVERITY = {
    Severity.ERROR: pb.SEVERITY_ERROR,
    Severity.REVIEW: pb.SEVERITY_REVIEW,
    Severity.WARNING: pb.SEVERITY_WARNING,
    Severity.INFO: pb.SEVERITY_INFO,
}
_CLAIM_STATE = {
    ClaimState.ACCEPTED: pb.CLAIM_STATE_ACCEPTED,
    ClaimState.REJECTED: pb.CLAIM_STATE_REJECTED,
    ClaimState.HELD: pb.CLAIM_STATE_HELD,
    ClaimState.AWAITING_SOURCE_CANCELLATION: pb.CLAIM_STATE_AWAITING_SOURCE_CANCELLATION,
    ClaimState.ISSUED: pb.CLAIM_STATE_ISSUED,
    ClaimState.VOIDED: pb.CLAIM_STATE_VOIDED,
}
_PROJECT_STATUS = {
    pb.PROJECT_STATUS_REGISTERED: PartnerProjectStatus.REGISTERED,
    pb.PROJECT_STATUS_SUSPENDED: PartnerProjectStatus.SUSPENDED,
    pb.PROJECT_STATUS_DEREGISTERED: PartnerProjectStatus.DEREGISTERED,
}


def _opt(value: str) -> str | None:
    return value if value != "" else None


def origin_status_from(value: int) -> OriginStatus | None:
    return _ORIGIN.get(value)  # type: ignore[call-overload, no-any-return]


def project_status_from(value: int) -> PartnerProjectStatus | None:
    return _PROJECT_STATUS.get(value)  # type: ignore[call-overload, no-any-return]


def field_problem_checks(message: pb.Claim | pb.Project) -> list[CheckResult]:
    """The claim's or project's fields over their limits (docs/limits.md), as
    checks of a REJECTED verdict or result: one bad item of an envelope is
    rejected on its own, the others are decided."""
    return [fire(p.code, **p.details) for p in field_checks.problems(message)]


def echoed(message: pb.Claim | pb.Project, field: str) -> str:
    """An id as a verdict or result echoes it: as sent, cut to its limit when
    longer (the check gives the length sent), so an answer is never larger
    than the limits allow however large the request was."""
    value: str = getattr(message, field)
    limit = field_limits.limit_of(f"{message.DESCRIPTOR.full_name}.{field}").max_chars
    return value if limit is None or len(value) <= limit else value[:limit]


def claim_checks(claim: pb.Claim) -> list[CheckResult]:
    """Why the hub cannot take the claim as sent (empty: it can)."""
    checks = field_problem_checks(claim)
    if not claim.record_id.strip():
        checks.append(fire("FIELD_REQUIRED", field="record_id"))
    if origin_status_from(claim.origin_status) is None:
        # An enum value from a newer contract: the hub cannot know what it
        # means, so the claim cannot be trusted as "not issued".
        checks.append(fire("FIELD_VALUE_UNKNOWN", field="origin_status", value=claim.origin_status))
    return checks


def project_checks(project: pb.Project) -> list[CheckResult]:
    """Why the hub cannot take the project registration as sent (empty: it can)."""
    checks = field_problem_checks(project)
    if project_status_from(project.status) is None:
        checks.append(fire("FIELD_VALUE_UNKNOWN", field="status", value=project.status))
    return checks


def claim_from_proto(partner: str, delivery_id: str, claim: pb.Claim) -> ClaimSubmission:
    """A claim ``claim_checks`` found nothing against."""
    origin = origin_status_from(claim.origin_status)
    if origin is None:
        raise ValueError(f"unknown origin_status {claim.origin_status}")
    return ClaimSubmission(
        partner=partner,
        delivery_id=delivery_id,
        record_id=claim.record_id,
        partner_methodology=claim.partner_methodology,
        period_start=claim.period_start,
        period_end=claim.period_end,
        time_zone=claim.time_zone,
        activity_quantity=claim.activity_quantity,
        activity_unit=claim.activity_unit,
        project_id=_opt(claim.project_id),
        person_pseudonym=_opt(claim.person_pseudonym),
        site_id=_opt(claim.site_id),
        region_code=_opt(claim.region_code),
        district=_opt(claim.district),
        material=_opt(claim.material),
        utility=_opt(claim.utility),
        reported_tco2e=_opt(claim.reported_tco2e),
        origin_status=origin,
        origin_serial=_opt(claim.origin_serial),
        adjustment_ref=_opt(claim.adjustment_ref),
        verifier=_opt(claim.verifier),
        platform=_opt(claim.platform),
        raw=dict(claim.raw),
    )


def project_from_proto(partner: str, project: pb.Project) -> ProjectSubmission:
    status = project_status_from(project.status)
    if status is None:
        raise ValueError(f"unknown project status {project.status}")
    return ProjectSubmission(
        partner=partner,
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
        status=status,
        raw=dict(project.raw),
        boundary=project.boundary,
        boundary_crs=project.boundary_crs,
    )


def _dec(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def check_to_proto(check: CheckResult) -> pb.CheckResult:
    return pb.CheckResult(**_check_fields(check))


def _check_fields(check: CheckResult) -> dict[str, Any]:
    return {
        "code": check.code,
        "severity": _SEVERITY[check.severity],
        "message_zh": check.message_zh,
        "message_en": check.message_en,
        "details": dict(check.details),
    }


def trace_to_proto(trace: Trace) -> pb.Trace:
    message = pb.Trace()
    _fill_trace(message, trace)
    return message


def _fill_trace(message: pb.Trace, trace: Trace) -> None:
    message.standard_version = trace.standard_version
    message.methodology = trace.methodology
    message.formula_id = trace.formula_id
    message.formula = trace.formula
    message.inputs.update({k: str(v) for k, v in trace.inputs.items()})
    factors = message.factors
    for f in trace.factors:
        factors.add(
            factor_id=f.factor_id,
            value=str(f.value),
            unit=f.unit,
            region=f.region,
            year=f.year or 0,
            source=f.source,
            provisional=f.provisional,
        )
    message.discount = _dec(trace.discount)
    message.notes.extend(trace.notes)


def verdict_to_proto(
    verdict: Verdict,
    state: ClaimState | None = None,
    block_serials: tuple[str, ...] = (),
    carried_tco2e: Decimal | None = None,
) -> pb.Verdict:
    """Without a state, the one the verdict puts a new claim in (SubmitClaims
    answers before anything is issued)."""
    message = pb.Verdict(**_verdict_fields(verdict, state, block_serials, carried_tco2e))
    _fill_verdict_children(message, verdict)
    return message


def verdict_batch(sequence: int, statuses: Sequence[ClaimStatus]) -> pb.VerdictBatch:
    """SubmitClaims' answer to one envelope: each claim's verdict and where it
    stands now (claim_status_to_proto of each), in order.

    Each verdict is built in place inside the batch: passing finished
    messages to the batch copied every one of them again (ingestion profile).
    """
    batch = pb.VerdictBatch(sequence=sequence)
    container = batch.verdicts
    for status in statuses:
        verdict = status.verdict
        fields = _verdict_fields(verdict, status.state, status.block_serials, status.carried_tco2e)
        message = container.add(**fields)
        _fill_verdict_children(message, verdict)
        _fill_vintage_parts(message, status.parts)
    return batch


def _verdict_fields(
    verdict: Verdict,
    state: ClaimState | None = None,
    block_serials: tuple[str, ...] = (),
    carried_tco2e: Decimal | None = None,
) -> dict[str, Any]:
    return {
        "record_id": verdict.record_id,
        "claim_id": verdict.claim_id,
        "decision": _DECISION[verdict.decision],
        "resubmission": verdict.resubmission,
        "methodology": verdict.methodology or "",
        "vintage": verdict.vintage or 0,
        "reported_tco2e": _dec(verdict.reported_tco2e),
        "recomputed_tco2e": _dec(verdict.recomputed_tco2e),
        "credited_tco2e": _dec(verdict.credited_tco2e),
        "state": _CLAIM_STATE[state if state is not None else initial_state(verdict)],
        "block_serials": list(block_serials),
        "carried_tco2e": _dec(carried_tco2e),
    }


def _fill_verdict_children(message: pb.Verdict, verdict: Verdict) -> None:
    checks = message.checks
    for check in verdict.checks:
        checks.add(**_check_fields(check))
    if verdict.trace is not None:
        message.trace.SetInParent()  # present even if every field is empty, as before
        _fill_trace(message.trace, verdict.trace)


def claim_status_to_proto(status: ClaimStatus) -> pb.Verdict:
    message = verdict_to_proto(
        status.verdict, status.state, status.block_serials, status.carried_tco2e
    )
    _fill_vintage_parts(message, status.parts)
    return message


def _fill_vintage_parts(message: pb.Verdict, parts: Sequence[IssuedPart]) -> None:
    """An issued claim's tonnes per calendar vintage (one part inside one year)."""
    container = message.vintage_parts
    for part in parts:
        container.add(
            vintage=part.vintage,
            credited_tco2e=_dec(part.credited_tco2e),
            block_serials=list(part.block_serials),
            carried_tco2e=_dec(part.carried_after),
        )


_REVIEW_STATE = {
    ProjectReviewState.SUBMITTED: pb.PROJECT_REVIEW_STATE_SUBMITTED,
    ProjectReviewState.UNDER_REVIEW: pb.PROJECT_REVIEW_STATE_UNDER_REVIEW,
    ProjectReviewState.APPROVED: pb.PROJECT_REVIEW_STATE_APPROVED,
    ProjectReviewState.REJECTED: pb.PROJECT_REVIEW_STATE_REJECTED,
    ProjectReviewState.SUSPENDED: pb.PROJECT_REVIEW_STATE_SUSPENDED,
}


def project_result_to_proto(result: ProjectResult) -> pb.ProjectResult:
    return pb.ProjectResult(
        project_id=result.project_id,
        decision=_DECISION[result.decision],
        checks=[check_to_proto(c) for c in result.checks],
        review_state=(
            pb.PROJECT_REVIEW_STATE_UNSPECIFIED
            if result.review_state is None
            else _REVIEW_STATE[result.review_state]
        ),
    )
