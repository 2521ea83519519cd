"""Registering partner projects, so project-based claims can be checked.

A new project starts SUBMITTED (hub.domain.project_review). Under an
agreement whose partner registry reviews projects itself
(``project_review: partner_registry``) a registration that passes every check
is taken through UNDER_REVIEW to APPROVED at once, each step audited as the
agreement's act; under ``bureau`` it waits for an officer. A registration a
check holds (the same asset registered already) stays SUBMITTED whatever the
agreement.

A crediting period longer than the methodology admits, or a renewal (the
same start, a later end) beyond its renewal rule, is refused against the
project as stored, read in the registering transaction
(hub.domain.crediting_periods): the stored period stands.

The same-asset rule (hub.domain.asset_matching: capacity within a
tolerance and location within a distance, parcels by boundary overlap or,
without boundaries, by the discs of their areas) is held by the database:
the registering transaction first writes the guards of every index key the
asset could match (hub.services.asset_checks), so of two registrations of
one asset the second waits for the first and then finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from carbonhub_contract.vocabulary.records import Decision, ProjectSubmission
from hub.domain.agreements import ProjectReview
from hub.domain.asset_matching import MATCH_CHECKS, boundary_area_checks
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import decide
from hub.domain.crediting_periods import crediting_checks
from hub.domain.normalisation import parse_decimal
from hub.domain.project_assessment import assess_project
from hub.domain.project_review import AGREEMENT_STEPS, ProjectReviewState, next_state
from hub.domain.projects import Project
from hub.domain.signed_payloads import SignedRecord
from hub.domain.units import Dimension, convert, dimension
from hub.errors import InvalidRequest
from hub.geometry.boundaries import ShapelyBoundaries
from hub.services.asset_checks import AssetMatcher, thresholds_of
from hub.services.audit_port import LedgerEvent
from hub.services.boundary_port import Boundary, BoundaryGeometry, BoundaryRefused
from hub.services.clock import Clock, system_clock
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard


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
        boundaries: BoundaryGeometry | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._geometry = boundaries or ShapelyBoundaries()
        self._thresholds = thresholds_of(standard.header.asset_matching)
        self._matcher = AssetMatcher(self._thresholds, self._geometry)
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
        read = [
            self._boundary(sub, a.project) for sub, a in zip(submissions, assessments, strict=True)
        ]
        agreement = self._standard.agreement(partner)
        registry_reviews = (
            agreement is not None and agreement.project_review is ProjectReview.PARTNER_REGISTRY
        )

        def work(uow: UnitOfWork) -> list[ProjectResult]:
            now = self._clock()
            self._authenticate(uow, signed, now)
            events: list[LedgerEvent] = []
            ids = {a.project.project_id for a in assessments if a.project is not None}
            existing = uow.projects.get_many(partner, ids, for_update=True) if ids else {}
            results: list[ProjectResult] = []
            for sub, assessment, (boundary, refused) in zip(
                submissions, assessments, read, strict=True
            ):
                checks = [*assessment.checks, *refused]
                project = assessment.project
                before = existing.get(project.project_id) if project is not None else None
                if project is not None:
                    checks.extend(
                        crediting_checks(
                            assessment.methodology,
                            project.crediting_start,
                            project.crediting_end,
                            before,
                        )
                    )
                if project is None or decide(checks) is Decision.REJECTED:
                    results.append(ProjectResult(sub.project_id, Decision.REJECTED, tuple(checks)))
                    continue
                result, stored = _register_one(
                    uow,
                    self._matcher,
                    (project, boundary),
                    before,
                    checks,
                    registry_reviews,
                    now,
                    events,
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

    def _boundary(
        self, submission: ProjectSubmission, project: Project | None
    ) -> tuple[Boundary | None, tuple[CheckResult, ...]]:
        """The parcel boundary the partner gave, or the check refusing it."""
        text = submission.boundary.strip()
        if not text or project is None:
            return None, ()
        if dimension(project.size_unit) is not Dimension.AREA:
            reason = f"a boundary is compared for parcels sized by area, not in {project.size_unit}"
            return None, (fire("BOUNDARY_INVALID", field="boundary", reason=reason),)
        try:
            boundary = self._geometry.parse(text, submission.boundary_crs)
        except BoundaryRefused as exc:
            return None, (fire("BOUNDARY_INVALID", field="boundary", reason=exc.reason),)
        declared = parse_decimal(project.size_value)
        if declared is None:
            return boundary, ()
        in_ha = convert(declared, project.size_unit, "ha")
        return boundary, boundary_area_checks(in_ha, boundary.area_ha, self._thresholds)


def _register_one(
    uow: UnitOfWork,
    matcher: AssetMatcher,
    registering: tuple[Project, Boundary | None],
    before: Project | None,
    checks: list[CheckResult],
    registry_reviews: bool,
    now: datetime,
    events: list[LedgerEvent],
) -> tuple[ProjectResult, Project]:
    """Store one conforming registration; the result and the project as stored."""
    project, boundary = registering
    partner = project.partner
    subject = f"{partner}|{project.project_id}"
    if before is not None:
        # A re-registration changes the partner's data, never the review.
        project = replace(project, review_state=before.review_state)
    moved = before is None or before.asset_fingerprint != project.asset_fingerprint
    if not moved and before is not None:
        moved = _changed(matcher.stored_boundary(uow, before), boundary)
    if moved and project.asset_fingerprint is not None:
        checks.extend(matcher.checks(uow, project, boundary))
    if decide(checks) is Decision.HELD and before is not None:
        # The changed registration names an asset registered already: the
        # stored registration stands, unchanged, until the partner sorts it out.
        return ProjectResult(
            project.project_id, Decision.HELD, tuple(checks), before.review_state
        ), before
    if moved:
        matcher.store(uow, project, boundary)
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
            same = [c.details["matches"] for c in checks if c.code in MATCH_CHECKS]
            if same:
                details["same_asset"] = ", ".join(same)
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


def _changed(kept: Boundary | None, given: Boundary | None) -> bool:
    if kept is None or given is None:
        return (kept is None) != (given is None)
    return (kept.wkt, kept.crs) != (given.wkt, given.crs)
