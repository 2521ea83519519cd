"""The bureau's review: held claims and submitted projects, decided with a comment.

* approve a HELD claim: it becomes ACCEPTED (its locks were kept while it was
  held) and goes on to issuance; its verdict keeps every check that fired
  plus CLAIM_APPROVED_BY_REVIEWER naming the officer and the comment;
* reject a HELD claim: REJECTED with CLAIM_REJECTED_BY_REVIEWER, its locks freed;
* open a project's review (SUBMITTED -> UNDER_REVIEW), approve it (claims held
  only by PROJECT_NOT_APPROVED are decided again) or reject it (its held
  claims become REJECTED with PROJECT_REJECTED).

Every write is conditional on the state read (hub.services.unit_of_work):
of two officers acting at once one wins, the other is answered with the
coded refusal the state it then finds gives. Every step is a LedgerEvent
with the officer as actor and the comment in its details.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.checks import fire
from hub.domain.claim_assessment import NOT_APPROVED_CHECK
from hub.domain.origin_reissuance import REISSUED_CHECK
from hub.domain.points import PointsRules
from hub.domain.project_review import ProjectReviewState, ReviewAction, next_state
from hub.domain.projects import Project
from hub.domain.suspension import SUSPENDED_CHECK
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.claim_holds import (
    APPROVED_BY_REVIEWER,
    claim_events,
    held_claim_decided,
    reject_project_claims,
    release_project_claims,
)
from hub.services.claim_port import ClaimLedgerView, VerdictChange
from hub.services.clock import Clock, system_clock
from hub.services.officers import officer_actor
from hub.services.points import award_points, credits_of_claims, reverse_points
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

REJECTED_BY_REVIEWER = "CLAIM_REJECTED_BY_REVIEWER"
# Checks a reviewer cannot settle on one claim: the project's own review or
# suspension decides those claims (approve or resume the project instead).
_PROJECT_HOLDS = frozenset({NOT_APPROVED_CHECK, SUSPENDED_CHECK})


@dataclass(frozen=True)
class ClaimReviewOutcome:
    partner: str
    record_id: str
    claim_id: str
    decision: Decision  # ACCEPTED or REJECTED


@dataclass(frozen=True)
class ProjectReviewOutcome:
    partner: str
    project_id: str
    state: ProjectReviewState
    claims_changed: int


def required_comment(comment: str) -> str:
    text = comment.strip()
    if not text:
        raise InvalidRequest(
            "REVIEW_COMMENT_REQUIRED",
            "approving or rejecting needs a comment",
            {"field": "comment"},
        )
    return text


class ReviewService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock = system_clock,
        *,
        write_retries: int = 8,
        points: PointsRules | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        # Exchange rules to carbon points: an approved claim earns them now.
        self._points = points or PointsRules()
        self._clock = clock
        self._retries = write_retries

    # --- claims ---------------------------------------------------------------

    def approve_claim(
        self, partner: str, record_id: str, *, officer: str, comment: str
    ) -> ClaimReviewOutcome:
        return self._review_claim(partner, record_id, officer, comment, approve=True)

    def reject_claim(
        self, partner: str, record_id: str, *, officer: str, comment: str
    ) -> ClaimReviewOutcome:
        return self._review_claim(partner, record_id, officer, comment, approve=False)

    def _review_claim(
        self, partner: str, record_id: str, officer: str, comment: str, *, approve: bool
    ) -> ClaimReviewOutcome:
        actor, why = officer_actor(officer), required_comment(comment)
        name = actor.removeprefix("bureau:")

        def work(uow: UnitOfWork) -> ClaimReviewOutcome:
            now = self._clock()
            view = self._held_claim(uow, partner, record_id)
            if approve:
                project_holds = sorted(
                    {c.code for c in view.verdict.checks if c.code in _PROJECT_HOLDS}
                )
                if project_holds:
                    raise FailedPrecondition(
                        "CLAIM_HELD_BY_PROJECT",
                        f"claim {record_id} of {partner} waits for its project "
                        f"{view.project_id} ({', '.join(project_holds)}): decide the project",
                        {
                            "partner": partner,
                            "record_id": record_id,
                            "project_id": view.project_id or "",
                            "checks": ", ".join(project_holds),
                        },
                    )
                if any(c.code == REISSUED_CHECK for c in view.verdict.checks):
                    # The bureau decides it by resolving the reconciliation's
                    # discrepancy (hub.services.reissued_claims).
                    raise FailedPrecondition(
                        "CLAIM_HELD_BY_RECONCILIATION",
                        f"the origin issued record {record_id} of {partner} after the hub"
                        " took it as not issued: resolve the reconciliation discrepancy",
                        {"partner": partner, "record_id": record_id, "check": REISSUED_CHECK},
                    )
                check = fire(APPROVED_BY_REVIEWER, officer=name, comment=why)
                change = held_claim_decided(view, Decision.ACCEPTED, check)
            else:
                check = fire(REJECTED_BY_REVIEWER, officer=name, comment=why)
                change = held_claim_decided(view, Decision.REJECTED, check)
            uow.claims.change_verdicts([change])
            decision = change.verdict.decision
            if decision is Decision.ACCEPTED:
                credits = credits_of_claims(uow, self._points, [view.claim_id])
                points = award_points(uow, self._points, credits, actor, now)
            else:
                # A claim held after it earned points (its project suspended)
                # gives back what is left of them when rejected.
                points = reverse_points(uow, [view.claim_id], actor, now, "rejected by review")
            uow.events.append(
                [
                    LedgerEvent(
                        "claim",
                        view.claim_id,
                        str(decision),
                        actor,
                        now,
                        {"comment": why, "from": str(Decision.HELD), "record_id": record_id},
                    ),
                    *points,
                ]
            )
            return ClaimReviewOutcome(partner, record_id, view.claim_id, decision)

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="claim review"
        )

    @staticmethod
    def _held_claim(uow: UnitOfWork, partner: str, record_id: str) -> ClaimLedgerView:
        stored = uow.claims.get_by_record_ids(partner, [record_id]).get(record_id)
        view = uow.claims.ledger_view(stored.claim_id) if stored is not None else None
        if view is None:
            raise NotFound(
                "CLAIM_NOT_FOUND",
                f"no claim {record_id} of {partner}",
                {"partner": partner, "record_id": record_id},
            )
        if view.decision is not Decision.HELD:
            raise FailedPrecondition(
                "CLAIM_NOT_HELD",
                f"claim {record_id} of {partner} is {view.decision}, not HELD",
                {"partner": partner, "record_id": record_id, "decision": str(view.decision)},
            )
        return view

    # --- projects -------------------------------------------------------------

    def open_project_review(
        self, partner: str, project_id: str, *, officer: str
    ) -> ProjectReviewOutcome:
        return self._move_project(partner, project_id, officer, None, ReviewAction.OPEN_REVIEW)

    def approve_project(
        self, partner: str, project_id: str, *, officer: str, comment: str
    ) -> ProjectReviewOutcome:
        return self._move_project(partner, project_id, officer, comment, ReviewAction.APPROVE)

    def reject_project(
        self, partner: str, project_id: str, *, officer: str, comment: str
    ) -> ProjectReviewOutcome:
        return self._move_project(partner, project_id, officer, comment, ReviewAction.REJECT)

    def _move_project(
        self,
        partner: str,
        project_id: str,
        officer: str,
        comment: str | None,
        action: ReviewAction,
    ) -> ProjectReviewOutcome:
        actor = officer_actor(officer)
        why = "" if comment is None else required_comment(comment)

        def work(uow: UnitOfWork) -> ProjectReviewOutcome:
            now = self._clock()
            project = _project(uow, partner, project_id)
            state = next_state(project.review_state, action, partner=partner, project_id=project_id)
            uow.projects.set_review_state(partner, project_id, project.review_state, state)
            changes: list[VerdictChange] = []
            if state is ProjectReviewState.APPROVED:
                changes = release_project_claims(uow, partner, project_id, NOT_APPROVED_CHECK)
            elif state is ProjectReviewState.REJECTED:
                check = fire(
                    "PROJECT_REJECTED", field="project_id", project_id=project_id, comment=why
                )
                changes = reject_project_claims(uow, partner, project_id, check)
            uow.claims.change_verdicts(changes)
            details = {"from": str(project.review_state), "action": str(action)}
            if comment is not None:
                details["comment"] = why
            details["claims"] = str(len(changes))
            uow.events.append(
                [
                    LedgerEvent(
                        "project", f"{partner}|{project_id}", str(state), actor, now, details
                    ),
                    *claim_events(changes, actor, now, f"project {state.lower()}"),
                ]
            )
            return ProjectReviewOutcome(partner, project_id, state, len(changes))

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="project review"
        )


def _project(uow: UnitOfWork, partner: str, project_id: str) -> Project:
    project = uow.projects.get_many(partner, [project_id]).get(project_id)
    if project is None:
        raise NotFound(
            "PROJECT_NOT_FOUND",
            f"no project {project_id} of {partner}",
            {"partner": partner, "project_id": project_id},
        )
    return project
