"""The bureau's review of a partner project: states, the transitions allowed, refusals.

SUBMITTED -> UNDER_REVIEW (the bureau opens the review, or the agreement does
for a partner whose own registry approved the project), UNDER_REVIEW ->
APPROVED | REJECTED, APPROVED <-> SUSPENDED. Nothing else: a refused step is
the coded PROJECT_TRANSITION_NOT_ALLOWED, never a silent no-op, so two
officers acting at once learn which of them moved the project.
"""

from __future__ import annotations

from enum import StrEnum

from hub.errors import FailedPrecondition


class ProjectReviewState(StrEnum):
    SUBMITTED = "SUBMITTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SUSPENDED = "SUSPENDED"


class ReviewAction(StrEnum):
    OPEN_REVIEW = "open-review"
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    RESUME = "resume"


S = ProjectReviewState
_TRANSITIONS: dict[tuple[ProjectReviewState, ReviewAction], ProjectReviewState] = {
    (S.SUBMITTED, ReviewAction.OPEN_REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, ReviewAction.APPROVE): S.APPROVED,
    (S.UNDER_REVIEW, ReviewAction.REJECT): S.REJECTED,
    (S.APPROVED, ReviewAction.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, ReviewAction.RESUME): S.APPROVED,
}

# Agreements whose partner registry approved the project already take these
# steps at once when the registration passes every check.
AGREEMENT_STEPS = (ReviewAction.OPEN_REVIEW, ReviewAction.APPROVE)


def next_state(
    state: ProjectReviewState, action: ReviewAction, *, partner: str, project_id: str
) -> ProjectReviewState:
    """The state ``action`` leads to from ``state``, or the coded refusal."""
    target = _TRANSITIONS.get((state, action))
    if target is None:
        raise transition_refused(state, action, partner=partner, project_id=project_id)
    return target


def transition_refused(
    state: ProjectReviewState, action: ReviewAction, *, partner: str, project_id: str
) -> FailedPrecondition:
    return FailedPrecondition(
        "PROJECT_TRANSITION_NOT_ALLOWED",
        f"project {project_id} of {partner} is {state}: it cannot {action}",
        {"partner": partner, "project_id": project_id, "state": str(state), "action": str(action)},
    )


def allowed_actions(state: ProjectReviewState) -> tuple[ReviewAction, ...]:
    """What the bureau may do to a project in ``state`` (for consoles and help)."""
    return tuple(action for (origin, action) in _TRANSITIONS if origin is state)
