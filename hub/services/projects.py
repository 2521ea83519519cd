"""Registering partner projects, so project-based claims can be checked.

A new project starts SUBMITTED (hub.domain.project_review). Under an
agreement whose partner registry reviews projects itself
(``project_review: partner_registry``) a registration that passes every check
is taken through UNDER_REVIEW to APPROVED at once, each step audited as the
agreement's act; under ``bureau`` it waits for an officer. A registration a
check holds (the same asset registered already) stays SUBMITTED whatever the
agreement.

The same-asset rule is the database's: the registering transaction first
writes the guards of every fingerprint the asset matches
(ProjectRepository.guard_assets), so of two registrations of one asset the
second waits for the first and then finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.assessment import assess_project
from hub.domain.asset_fingerprints import parse_key
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import Decision, decide
from hub.domain.project_review import AGREEMENT_STEPS, ProjectReviewState, next_state
from hub.domain.projects import Project, ProjectSubmission
from hub.domain.signed_payloads import SignedRecord
from hub.errors import InvalidRequest
from hub.services.clock import Clock, system_clock
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import LedgerEvent, UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard
from hub.standard.models import ProjectReview

ASSET_CHECK = "ASSET_ALREADY_REGISTERED"


@dataclass(frozen=True, slots=True)
class ProjectResult:
    project_id: str
    # ACCEPTED (stored), HELD (stored, waiting for the bureau: a check asks for
    # review) or REJECTED (not stored).
    decision: Decision
    checks: tuple[CheckResult, ...]
    review_state: ProjectReviewState | None = None  # as stored; None when rejected


class ProjectRegistrationService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        *,
        write_retries: int = 8,
        clock: Clock = system_clock,
        authenticate: WriteAuthenticator | UnsignedOnly | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._write_retries = write_retries
        self._clock = clock
        self._authenticate = authenticate or refuse_signed

    def register(
        self,
        partner: str,
        submissions: Sequence[ProjectSubmission],
        *,
        signed: SignedRecord | None = None,
    ) -> list[ProjectResult]:
        for sub in submissions:
            if sub.partner != partner:
                raise InvalidRequest(
                    "ENVELOPE_PARTNER_MISMATCH",
                    f"project {sub.project_id} names partner {sub.partner}, the request {partner}",
                    {
                        "project_id": sub.project_id,
                        "claim_partner": sub.partner,
                        "partner": partner,
                    },
                )
        assessments = [assess_project(sub, self._standard) for sub in submissions]
        agreement = self._standard.agreement(partner)
        registry_reviews = (
            agreement is not None and agreement.project_review is ProjectReview.PARTNER_REGISTRY
        )

        def work(uow: UnitOfWork) -> list[ProjectResult]:
            now = self._clock()
            self._authenticate(uow, signed, now)
            events: list[LedgerEvent] = []
            ids = {a.project.project_id for a in assessments if a.project is not None}
            existing = uow.projects.get_many(partner, ids) if ids else {}
            results: list[ProjectResult] = []
            for sub, assessment in zip(submissions, assessments, strict=True):
                checks = list(assessment.checks)
                project = assessment.project
                if project is None or decide(checks) is Decision.REJECTED:
                    results.append(ProjectResult(sub.project_id, Decision.REJECTED, tuple(checks)))
                    continue
                before = existing.get(project.project_id)
                result, stored = _register_one(
                    uow, project, before, checks, registry_reviews, partner, now, events
                )
                existing[project.project_id] = stored
                # Answer under the id as the partner sent it (the stored one is stripped).
                results.append(replace(result, project_id=sub.project_id))
            uow.events.append(events)
            self._authenticate.keep(uow, signed, now)
            return results

        return run_in_transaction(
            self._uow_factory, work, retries=self._write_retries, what="projects"
        )


def _register_one(
    uow: UnitOfWork,
    project: Project,
    before: Project | None,
    checks: list[CheckResult],
    registry_reviews: bool,
    partner: str,
    now: datetime,
    events: list[LedgerEvent],
) -> tuple[ProjectResult, Project]:
    """Store one conforming registration; the result and the project as stored."""
    subject = f"{partner}|{project.project_id}"
    if before is not None:
        # A re-registration changes the partner's data, never the review.
        project = replace(project, review_state=before.review_state)
    new_asset = project.asset_fingerprint is not None and (
        before is None or before.asset_fingerprint != project.asset_fingerprint
    )
    if new_asset:
        checks.extend(_same_asset_checks(uow, project))
    if decide(checks) is Decision.HELD and before is not None:
        # The changed registration names an asset registered already: the
        # stored registration stands, unchanged, until the partner sorts it out.
        return ProjectResult(
            project.project_id, Decision.HELD, tuple(checks), before.review_state
        ), before
    steps: list[tuple[ProjectReviewState, ProjectReviewState]] = []
    if before is None and registry_reviews and decide(checks) is Decision.ACCEPTED:
        state = project.review_state
        for action in AGREEMENT_STEPS:
            target = next_state(state, action, partner=partner, project_id=project.project_id)
            steps.append((state, target))
            state = target
        project = replace(project, review_state=state)
    if uow.projects.upsert(project):
        if before is not None:
            checks.append(fire("PROJECT_CHANGED", project_id=project.project_id))
            events.append(LedgerEvent("project", subject, "CHANGED", partner, now))
        else:
            details = {"state": str(ProjectReviewState.SUBMITTED)}
            if checks:
                # The evidence a reviewer needs: what fired, and which project
                # holds the same asset.
                details["checks"] = ", ".join(c.code for c in checks)
            for check in checks:
                if check.code == ASSET_CHECK:
                    details["same_asset"] = check.details["matches"]
            events.append(LedgerEvent("project", subject, "REGISTERED", partner, now, details))
            events.extend(
                LedgerEvent(
                    "project",
                    subject,
                    str(target),
                    f"agreement:{partner}",
                    now,
                    {"from": str(origin), "comment": "approved by the partner's own registry"},
                )
                for origin, target in steps
            )
    decision = decide(checks)
    return ProjectResult(project.project_id, decision, tuple(checks), project.review_state), project


def _same_asset_checks(uow: UnitOfWork, project: Project) -> list[CheckResult]:
    key = project.asset_fingerprint
    asset = parse_key(key) if key is not None else None
    if asset is None:
        return []
    others = [
        found
        for found in uow.projects.guard_assets(asset.match_keys())
        if (found.partner, found.project_id) != (project.partner, project.project_id)
    ]
    if not others:
        return []
    first = others[0]
    return [
        fire(
            ASSET_CHECK,
            field="project_id",
            family=asset.family,
            capacity=f"{asset.capacity} {asset.unit}",
            other_partner=first.partner,
            other_project_id=first.project_id,
            other_state=str(first.review_state),
            matches=", ".join(f"{o.partner}/{o.project_id}" for o in others),
        )
    ]
