"""The project review state machine: the allowed steps, and a coded refusal for every other."""

from __future__ import annotations

import pytest

from hub.domain.project_review import (
    ProjectReviewState,
    ReviewAction,
    allowed_actions,
    next_state,
)
from hub.errors import FailedPrecondition

S, A = ProjectReviewState, ReviewAction
ALLOWED = {
    (S.SUBMITTED, A.OPEN_REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, A.APPROVE): S.APPROVED,
    (S.UNDER_REVIEW, A.REJECT): S.REJECTED,
    (S.APPROVED, A.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, A.RESUME): S.APPROVED,
}


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in S for a in A])
def test_every_state_and_action(state: ProjectReviewState, action: ReviewAction) -> None:
    target = ALLOWED.get((state, action))
    if target is not None:
        assert next_state(state, action, partner="451200", project_id="X") is target
        assert action in allowed_actions(state)
        return
    with pytest.raises(FailedPrecondition) as refused:
        next_state(state, action, partner="451200", project_id="X")
    assert refused.value.code == "PROJECT_TRANSITION_NOT_ALLOWED"
    assert refused.value.details == {
        "partner": "451200",
        "project_id": "X",
        "state": str(state),
        "action": str(action),
    }
    assert action not in allowed_actions(state)


def test_rejected_is_terminal() -> None:
    assert allowed_actions(S.REJECTED) == ()
