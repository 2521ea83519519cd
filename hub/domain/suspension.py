"""The bureau's suspension of a project: the check that holds its claims.

While the bureau suspends a project, every new claim of it and every claim
of it waiting for issuance is HELD for review with PROJECT_SUSPENDED_BY_BUREAU,
whatever its other checks say; resuming the project takes the check away
again. A claim the suspension holds keeps the check's code as its hold
reason, so the resumption finds exactly the claims it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.checks import CheckResult, fire

SUSPENDED_CHECK = "PROJECT_SUSPENDED_BY_BUREAU"


def suspension_check(project_id: str, reason: str) -> CheckResult:
    """The check that holds a claim of the suspended project ``project_id``."""
    return fire(SUSPENDED_CHECK, project_id=project_id, reason=reason, field="project_id")


def suspension_of(project_id: str | None, suspended: Mapping[str, str]) -> CheckResult | None:
    """The check holding a new claim of ``project_id``, when the bureau
    suspended it (``suspended``: the reason, by project id); else None."""
    if project_id not in suspended:
        return None
    return suspension_check(project_id or "", suspended[project_id or ""])


def hold_reason(decision: Decision, checks: Iterable[CheckResult]) -> str | None:
    """SUSPENDED_CHECK when the suspension is what holds the claim, else None
    (a claim the suspension held but another check rejects is not on hold)."""
    if decision is Decision.HELD and any(check.code == SUSPENDED_CHECK for check in checks):
        return SUSPENDED_CHECK
    return None
