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
from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import decide
from hub.domain.locks import (
    CONFLICT_CODES,
    ClaimLock,
    LockKind,
    LockRules,
    locks_for,
    reported_conflicts,
)
from hub.domain.methodologies import Basis
from hub.domain.mobility import DailyMobility, Travel
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

# The partner field a lock's refusal concerns (as the hub names it).
_CONFLICT_FIELDS: Mapping[LockKind, str] = {
    LockKind.CONTENT: "record_id",
    LockKind.PROJECT_PERIOD: "period_start",
    LockKind.PERSON_PERIOD: "person_pseudonym",
    LockKind.PERSON_TRAVEL: "period_start",
    LockKind.ORIGIN_SERIAL: "origin_serial",
}
_PERSON_KINDS = frozenset({LockKind.PERSON_PERIOD, LockKind.PERSON_TRAVEL})


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


@dataclass
class _Taken:
    """Locks the delivery's counted claims hold so far."""

    locks: list[tuple[ClaimLock, str]]

    def holder(self, lock: ClaimLock) -> str | None:
        return next((record for held, record in self.locks if held.overlaps(lock)), None)


def _lock_rules(standard: Standard, claim: SourcedClaim, methodology_id: str) -> LockRules:
    methodology = standard.methodology(methodology_id)
    entry = standard.crosswalk_entry(claim.submission.partner, claim.submission.partner_methodology)
    if methodology is None or entry is None:
        return LockRules()
    return LockRules(
        mobility=methodology.mobility,
        site_basis=standard.basis(entry) is Basis.SITE,
        shared_site=methodology.shared_site,
    )


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
    of the partner yet: per project and claim, the decision and every check."""
    when = now or datetime.now(UTC)
    projects, registered = _projects(delivery, standard)
    columns = delivery.claim_columns
    daily_limit = standard.header.person_daily_mobility_pkm
    daily = DailyMobility()
    taken = _Taken([])
    bindings: dict[str, str] = {}  # site -> the Shenzhen methodology it is credited under
    first: dict[str, tuple[str, ClaimOutcome]] = {}  # record id -> (digest, first outcome)
    claims: list[ClaimOutcome] = []
    for sourced in delivery.claims:
        sub = sourced.submission
        digest = sub.content_digest()
        earlier = first.get(sub.record_id)
        if earlier is not None:
            claims.append(_repeat(sourced, digest, *earlier, columns))
            continue
        project = registered.get(sub.project_id) if sub.project_id else None
        assessment = assess_claim(sub, standard, project, when)
        checks = list(assessment.checks)
        normalised = assessment.normalised
        locks: list[ClaimLock] = []
        trip: Travel | None = None
        if normalised is not None and decide(checks) is not Decision.REJECTED:
            rules = _lock_rules(standard, sourced, normalised.methodology)
            locks = locks_for(sub, normalised, assessment.origin_block, rules)
            checks.extend(_conflicts(locks, taken, delivery.partner))
            checks.extend(_site_conflict(sub.site_id, assessment.site_binding, bindings))
            person = (sub.person_pseudonym or "").strip()
            if rules.mobility and person:
                trip = Travel(
                    person,
                    normalised.period_start,
                    normalised.period_end,
                    normalised.activity_value,
                )
                if daily_limit is not None and decide(checks) is not Decision.REJECTED:
                    implausible = daily.check(trip, daily_limit.value)
                    if implausible is not None:
                        checks.append(implausible)
        decision = decide(checks)
        if decision is not Decision.REJECTED:
            taken.locks.extend((lock, sub.record_id) for lock in locks)
            if locks and sub.site_id and assessment.site_binding:
                bindings.setdefault(sub.site_id, assessment.site_binding)
            if trip is not None:
                daily.count(trip)
        outcome = ClaimOutcome(
            source=sourced.source,
            record_id=sub.record_id,
            claim_id="",
            decision=decision,
            checks=tuple(_outcome(c, columns) for c in checks),
            resubmission=False,
            methodology=normalised.methodology if normalised else "",
            vintage=normalised.vintage if normalised else None,
            reported_tco2e=_text(normalised.reported_tco2e if normalised else None),
            recomputed_tco2e=_text(normalised.recomputed_tco2e if normalised else None),
            credited_tco2e=_text(normalised.credited_tco2e if normalised else None),
            origin_serial=sub.origin_serial or "",
        )
        first[sub.record_id] = (digest, outcome)
        claims.append(outcome)
    return DeliveryReport(
        partner=delivery.partner,
        delivery_id=delivery.delivery_id,
        rows_read=delivery.rows_read,
        problems=tuple(delivery.problems),
        claims=tuple(claims),
        projects=tuple(projects),
    )


def _conflicts(locks: list[ClaimLock], taken: _Taken, partner: str) -> list[CheckResult]:
    holders = {lock: holder for lock in locks if (holder := taken.holder(lock)) is not None}
    return [
        fire(
            CONFLICT_CODES[lock.kind],
            key="" if lock.kind in _PERSON_KINDS else lock.key,
            other_record_id=holders[lock],
            other_partner=partner,
            field=_CONFLICT_FIELDS[lock.kind],
        )
        for lock in reported_conflicts(holders)
    ]


def _site_conflict(
    site: str | None, binding: str | None, bindings: Mapping[str, str]
) -> list[CheckResult]:
    """A site the delivery credited under another programme already."""
    bound = bindings.get(site) if site and binding else None
    if bound is None or bound == binding:
        return []
    return [fire("SITE_PROGRAMME_CONFLICT", site_id=site, other_methodology=bound, field="site_id")]


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
