"""Holding, releasing and rejecting a project's claims as one: the moves the
bureau's suspension and the project review share.

Each returns the conditional VerdictChanges for the unit of work to apply
(uow.claims.change_verdicts) and the caller audits them, so a claim moved by
someone else meanwhile makes the whole operation re-read and decide again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision
from hub.domain.checks import CheckResult
from hub.domain.claims import decide
from hub.domain.issuance import IssuanceState
from hub.domain.suspension import hold_reason
from hub.services.audit_port import LedgerEvent
from hub.services.claim_port import ClaimLedgerView, VerdictChange
from hub.services.unit_of_work import UnitOfWork

# The check a reviewer's approval of a held claim adds: the review checks that
# fired before it are settled, so a later release does not hold the claim again.
APPROVED_BY_REVIEWER = "CLAIM_APPROVED_BY_REVIEWER"

_WAITING = (IssuanceState.PENDING, IssuanceState.AWAITING_SOURCE_CANCELLATION)


def redecide(checks: Iterable[CheckResult]) -> Decision:
    """hub.domain.claims.decide, with review checks a reviewer settled ignored."""
    listed = list(checks)
    settled = max(
        (i for i, check in enumerate(listed) if check.code == APPROVED_BY_REVIEWER), default=-1
    )
    return decide(
        check
        for i, check in enumerate(listed)
        if not (i < settled and check.severity is Severity.REVIEW)
    )


def hold_project_claims(
    uow: UnitOfWork, partner: str, project_id: str, check: CheckResult
) -> list[VerdictChange]:
    """ACCEPTED claims of the project not issued yet become HELD by ``check``."""
    changes: list[VerdictChange] = []
    for view in uow.claims.of_project(partner, project_id, [Decision.ACCEPTED]):
        if view.issuance not in _WAITING:
            continue  # issued tonnes stay issued; the bureau cancels blocks instead
        verdict = replace(
            view.verdict, decision=Decision.HELD, checks=(*view.verdict.checks, check)
        )
        changes.append(
            VerdictChange(
                claim_id=view.claim_id,
                expected_decision=Decision.ACCEPTED,
                expected_issuance=view.issuance,
                verdict=verdict,
                issuance=view.issuance,
                hold_reason=check.code,
            )
        )
    return changes


def release_project_claims(
    uow: UnitOfWork, partner: str, project_id: str, code: str
) -> list[VerdictChange]:
    """HELD claims of the project carrying check ``code`` lose it and return to
    the decision their other checks give (HELD still, when another asks for review)."""
    changes: list[VerdictChange] = []
    for view in uow.claims.of_project(partner, project_id, [Decision.HELD]):
        if not any(c.code == code for c in view.verdict.checks):
            continue
        checks = tuple(c for c in view.verdict.checks if c.code != code)
        decision = redecide(checks)
        changes.append(
            VerdictChange(
                claim_id=view.claim_id,
                expected_decision=Decision.HELD,
                expected_issuance=view.issuance,
                verdict=replace(view.verdict, decision=decision, checks=checks),
                issuance=view.issuance,
                hold_reason=hold_reason(decision, checks),
            )
        )
    return changes


def reject_project_claims(
    uow: UnitOfWork, partner: str, project_id: str, check: CheckResult
) -> list[VerdictChange]:
    """HELD claims of the project become REJECTED by ``check``; their locks are freed."""
    return [
        held_claim_decided(view, Decision.REJECTED, check)
        for view in uow.claims.of_project(partner, project_id, [Decision.HELD])
    ]


def held_claim_decided(
    view: ClaimLedgerView, decision: Decision, check: CheckResult
) -> VerdictChange:
    """A HELD claim decided by ``check``: ACCEPTED keeps its locks and goes on to
    issuance; REJECTED frees them. Conditional on the claim still being HELD."""
    rejected = decision is Decision.REJECTED
    return VerdictChange(
        claim_id=view.claim_id,
        expected_decision=Decision.HELD,
        expected_issuance=view.issuance,
        verdict=replace(view.verdict, decision=decision, checks=(*view.verdict.checks, check)),
        issuance=None if rejected else view.issuance,
        hold_reason=None,
        release_locks=rejected,
    )


def claim_events(
    changes: Iterable[VerdictChange], actor: str, at: datetime, because: str
) -> list[LedgerEvent]:
    """One audited event per claim moved."""
    return [
        LedgerEvent(
            "claim",
            change.claim_id,
            str(change.verdict.decision),
            actor,
            at,
            {"because": because},
        )
        for change in changes
    ]
