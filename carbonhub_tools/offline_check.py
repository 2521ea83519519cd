"""``--check``: a delivery assessed on the partner's own machine, as the hub
would assess it, without sending anything.

It needs the hub's assessment (hub.domain: the pure checks the hub runs on
each claim and project; hub.standard: the agreement, crosswalk, factors and
methodologies as filed), so it ships with the hub's distribution, not the
partner kit: the kit finds CHECKER through the
``carbon_hub_adapter.offline_check`` entry point (adapters/offline_checker.py).

What is checked: every conformity check of each claim and project
(hub.domain.claim_assessment, project_assessment) against the partner's
agreement and crosswalk in the standard; projects reviewed as the agreement
says (a partner-registry review approves them, the bureau's leaves them
SUBMITTED, so their claims are HELD with PROJECT_NOT_APPROVED); and double
counting WITHIN the delivery, as the hub decides it when the delivery is its
only content: a record id sent twice (the same content is answered with its first
verdict, changed content is DUPLICATE_RECORD_CHANGED), the hub's
double-issuance locks taken by the delivery's own earlier claims
(DUPLICATE_CONTENT, PROJECT_PERIOD_OVERLAP, PERSON_PERIOD_OVERLAP,
PERSON_TRIP_OVERLAP, ORIGIN_SERIAL_OVERLAP), a site credited under two
programmes (SITE_PROGRAMME_CONFLICT) and a person's daily mobility counted
over the delivery's rides.

What cannot be known offline is listed in NOT_CHECKED_OFFLINE: whatever
the hub's ledger holds already.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from adapters.check_columns import column_for
from adapters.delivery import Delivery, SourcedClaim
from adapters.delivery_report import CheckOutcome, ClaimOutcome, DeliveryReport, ProjectOutcome
from adapters.offline_checker import CheckerUnusable
from carbonhub_contract.vocabulary.records import Decision
from hub.domain.agreements import ProjectReview
from hub.domain.batch_decision import (
    BatchDecision,
    Candidate,
    LedgerHolds,
    candidate_of,
    decide_batch,
    wanted_by,
)
from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import decide
from hub.domain.project_assessment import assess_project
from hub.domain.project_review import AGREEMENT_STEPS, next_state
from hub.domain.projects import Project
from hub.standard import Standard, StandardError, default_standards_dir, load_standard

# What the hub decides with its ledger, which a check on the partner's
# machine cannot see (field `not_checked` of the JSON report).
NOT_CHECKED_OFFLINE: tuple[str, ...] = (
    "ledger locks: double counting against what the hub recorded before (earlier "
    "deliveries, other partners): DUPLICATE_CONTENT, PROJECT_PERIOD_OVERLAP, "
    "PERSON_PERIOD_OVERLAP, PERSON_TRIP_OVERLAP, ORIGIN_SERIAL_OVERLAP, SITE_PROGRAMME_CONFLICT",
    "records sent in earlier deliveries: answered with their original verdict, or "
    "DUPLICATE_RECORD_CHANGED when changed",
    "projects registered in earlier deliveries, their review state and the bureau's "
    "suspensions (a claim of such a project is shown as the hub would see it without one)",
    "persons' travel counted in earlier deliveries (PERSON_DAILY_MOBILITY_IMPLAUSIBLE)",
)


def load_partner_standard(standards_dir: Path | None = None) -> Standard:
    """The standard as filed (the repository's standards/ unless given)."""
    try:
        return load_standard(standards_dir or default_standards_dir())
    except StandardError as problem:
        raise CheckerUnusable(str(problem)) from problem


def _outcome(check: CheckResult, columns: Mapping[str, str]) -> CheckOutcome:
    return CheckOutcome(
        code=check.code,
        severity=check.severity,
        message_zh=check.message_zh,
        message_en=check.message_en,
        details=dict(check.details),
        column=column_for(check.code, check.details, columns),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _projects(
    delivery: Delivery, standard: Standard
) -> tuple[list[ProjectOutcome], dict[str, Project]]:
    agreement = standard.agreement(delivery.partner)
    registry_reviews = (
        agreement is not None and agreement.project_review is ProjectReview.PARTNER_REGISTRY
    )
    outcomes: list[ProjectOutcome] = []
    registered: dict[str, Project] = {}
    for sourced in delivery.projects:
        assessed = assess_project(sourced.submission, standard)
        decision = decide(assessed.checks)
        project = assessed.project
        state = ""
        if project is not None and decision is not Decision.REJECTED:
            if registry_reviews and decision is Decision.ACCEPTED:
                review = project.review_state
                for action in AGREEMENT_STEPS:
                    review = next_state(
                        review, action, partner=project.partner, project_id=project.project_id
                    )
                project = replace(project, review_state=review)
            registered[project.project_id] = project
            state = str(project.review_state)
        outcomes.append(
            ProjectOutcome(
                source=sourced.source,
                project_id=sourced.submission.project_id,
                decision=decision,
                checks=tuple(_outcome(c, delivery.project_columns) for c in assessed.checks),
                review_state=state,
            )
        )
    return outcomes, registered


def check_delivery(
    delivery: Delivery, standard: Standard, now: datetime | None = None
) -> DeliveryReport:
    """What the hub would answer for ``delivery`` if its ledger held nothing
    of the partner yet: per project and claim, the decision and every check.

    The claims are decided by the hub's own batch decision
    (hub.domain.batch_decision) against an empty ledger; a record id sent
    again is answered after them, as the hub answers it."""
    when = now or datetime.now(UTC)
    projects, registered = _projects(delivery, standard)
    columns = delivery.claim_columns
    first: dict[str, int] = {}  # record id -> its first claim's place among the candidates
    firsts: list[SourcedClaim] = []
    candidates: list[Candidate] = []
    for sourced in delivery.claims:
        sub = sourced.submission
        if sub.record_id in first:
            continue
        project = registered.get(sub.project_id) if sub.project_id else None
        first[sub.record_id] = len(candidates)
        firsts.append(sourced)
        candidates.append(candidate_of(sub, assess_claim(sub, standard, project, when), standard))
    limit = standard.header.person_daily_mobility_pkm
    empty = LedgerHolds({}, {}, (), limit.value if limit is not None else None)
    decided = decide_batch(candidates, [wanted_by(c) for c in candidates], empty)
    outcomes = [
        _outcome_of(sourced, candidate, decision, columns)
        for sourced, candidate, decision in zip(firsts, candidates, decided, strict=True)
    ]
    claims: list[ClaimOutcome] = []
    for sourced in delivery.claims:
        index = first[sourced.submission.record_id]
        if firsts[index] is sourced:
            claims.append(outcomes[index])
        else:
            digest, first_digest = (c.submission.content_digest() for c in (sourced, firsts[index]))
            claims.append(_repeat(sourced, digest, first_digest, outcomes[index], columns))
    return DeliveryReport(
        partner=delivery.partner,
        delivery_id=delivery.delivery_id,
        rows_read=delivery.rows_read,
        problems=tuple(delivery.problems),
        claims=tuple(claims),
        projects=tuple(projects),
    )


def _outcome_of(
    sourced: SourcedClaim,
    candidate: Candidate,
    decided: BatchDecision,
    columns: Mapping[str, str],
) -> ClaimOutcome:
    normalised = candidate.assessment.normalised
    return ClaimOutcome(
        source=sourced.source,
        record_id=sourced.submission.record_id,
        claim_id="",
        decision=decided.decision,
        checks=tuple(_outcome(c, columns) for c in decided.checks),
        resubmission=False,
        methodology=normalised.methodology if normalised else "",
        vintage=normalised.vintage if normalised else None,
        reported_tco2e=_text(normalised.reported_tco2e if normalised else None),
        recomputed_tco2e=_text(normalised.recomputed_tco2e if normalised else None),
        credited_tco2e=_text(normalised.credited_tco2e if normalised else None),
        origin_serial=sourced.submission.origin_serial or "",
    )


def _repeat(
    sourced: SourcedClaim,
    digest: str,
    first_digest: str,
    first: ClaimOutcome,
    columns: Mapping[str, str],
) -> ClaimOutcome:
    """A record id the delivery sent before: its first verdict again when
    unchanged, DUPLICATE_RECORD_CHANGED when changed (as the hub answers)."""
    if digest == first_digest:
        return replace(first, source=sourced.source, resubmission=True)
    check = fire(
        "DUPLICATE_RECORD_CHANGED",
        record_id=sourced.submission.record_id,
        original_claim_id="",
        field="record_id",
    )
    return ClaimOutcome(
        source=sourced.source,
        record_id=sourced.submission.record_id,
        claim_id="",
        decision=Decision.REJECTED,
        checks=(_outcome(check, columns),),
        resubmission=False,
        methodology="",
        vintage=None,
        reported_tco2e="",
        recomputed_tco2e="",
        credited_tco2e="",
        origin_serial=sourced.submission.origin_serial or "",
    )


@dataclass(frozen=True)
class StandardChecker:
    """The partner kit's OfflineChecker: the standard as filed, assessed here."""

    not_checked: tuple[str, ...] = NOT_CHECKED_OFFLINE

    def check(self, delivery: Delivery, standards_dir: Path | None) -> DeliveryReport:
        return check_delivery(delivery, load_partner_standard(standards_dir))


CHECKER = StandardChecker()
