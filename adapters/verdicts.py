"""The hub's verdicts read back in the partner's terms: one outcome per claim or project sent.

Decisions and severities come back as the contract's enums; a check keeps
the source column it concerns (check_columns.py), so the partner's report
can point at the cell to fix. An answer that does not belong to what was
sent is a HubProtocolError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.check_columns import column_for
from adapters.delivery import SourcedClaim, SourcedProject
from adapters.delivery_report import (
    CheckOutcome,
    ClaimOutcome,
    ProjectOutcome,
    VintagePartOutcome,
)
from adapters.hub_call_errors import HubProtocolError
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision

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


def decision_of(value: int, what: str) -> Decision:
    """The decision the hub answered for ``what``; HubProtocolError when there is none."""
    decision = _DECISION.get(value)
    if decision is None:
        raise HubProtocolError(f"{what}: the hub answered with no decision ({value})")
    return decision


def check_outcomes(
    checks: Sequence[pb.CheckResult], columns: Mapping[str, str]
) -> tuple[CheckOutcome, ...]:
    """The checks as the partner reads them, each with the source column it concerns."""
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


def project_outcome(
    sent: SourcedProject, result: pb.ProjectResult, columns: Mapping[str, str]
) -> ProjectOutcome:
    """The outcome of one project sent, from its RegisterProjects result."""
    project_id = sent.submission.project_id
    if result.project_id != project_id:
        raise HubProtocolError(
            f"RegisterProjects: result for {result.project_id!r} where {project_id!r} was sent"
        )
    return ProjectOutcome(
        source=sent.source,
        project_id=project_id,
        decision=decision_of(result.decision, f"project {project_id}"),
        checks=check_outcomes(result.checks, columns),
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


def claim_outcome(
    sent: SourcedClaim, verdict: pb.Verdict, columns: Mapping[str, str]
) -> ClaimOutcome:
    """The outcome of one claim sent, from its verdict."""
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
        decision=decision_of(verdict.decision, f"claim {record_id}"),
        checks=check_outcomes(verdict.checks, columns),
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
        vintage_parts=tuple(
            VintagePartOutcome(
                vintage=part.vintage,
                credited_tco2e=part.credited_tco2e,
                block_serials=tuple(part.block_serials),
                carried_tco2e=part.carried_tco2e,
            )
            for part in verdict.vintage_parts
        ),
    )
