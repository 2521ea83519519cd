"""Deciding one delivery of new claims, against the ledger and against each other.

A claim takes its locks (hub.domain.locks) unless its own checks reject it;
a lock that collides with one the ledger holds, or with one an earlier claim
of the same batch was granted, refuses the claim. A site bound to one
Shenzhen programme cannot be claimed under another, whether the ledger or
the batch bound it. A person's counted travel per day stays plausible across
the ledger and the batch (hub.domain.mobility). The bureau's suspension of a
project holds its new claims (hub.domain.suspension).

The ingestion service loads what the ledger holds (the stored locks that
collide with the batch's, the sites' programmes, the persons' counted
travel), calls decide_batch and stores what it decided: nothing here reads
or writes. A record id seen before is answered by answer_repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision, OriginStatus
from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import ClaimAssessment
from hub.domain.claims import Verdict, decide
from hub.domain.locks import (
    CONFLICT_CODES,
    ClaimLock,
    LockKind,
    LockRules,
    locks_for,
    reported_conflicts,
)
from hub.domain.methodologies import Basis
from hub.domain.mobility import DailyMobility, Travel, trip_of
from hub.domain.standard_terms import StandardTerms
from hub.domain.suspension import hold_reason, suspension_of


@dataclass(frozen=True, slots=True)
class Candidate:
    """A claim seen for the first time, as its assessment left it.

    ``rules``: its methodology's lock rules when it takes locks
    (locking_methodology), None when it takes none.
    """

    submission: ClaimSubmission
    assessment: ClaimAssessment
    rules: LockRules | None


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a candidate asks of the ledger: its locks and, when it is a
    person's travel, the trip counted towards the person's days."""

    locks: tuple[ClaimLock, ...] = ()
    trip: Travel | None = None


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a lock a claim collides with: named in the refusal."""

    record_id: str
    partner: str


@dataclass(frozen=True, slots=True)
class LedgerHolds:
    """What the ledger held before this batch, as far as the batch touches it.

    ``held``: the first stored holder of each requested lock that collides;
    ``site_bindings``: the Shenzhen methodology each of the batch's sites is
    bound to; ``counted_travel``: the persons' counted travel on the days the
    batch's trips touch; ``daily_limit_pkm``: the standard's plausible
    passenger-km of a person's day (None: no limit).
    """

    held: Mapping[ClaimLock, LockHolder]
    site_bindings: Mapping[str, str]
    counted_travel: Iterable[Travel]
    daily_limit_pkm: Decimal | None


@dataclass(frozen=True, slots=True)
class BatchDecision:
    """One candidate's decision, and what it takes in the ledger."""

    decision: Decision
    checks: tuple[CheckResult, ...]
    locks: tuple[ClaimLock, ...]  # granted: empty when REJECTED
    site_binding: str | None  # the programme the claim binds its site to
    hold_reason: str | None  # the check code that holds it, when the hub held it


def with_suspension(
    assessment: ClaimAssessment, project_id: str | None, suspended: Mapping[str, str]
) -> ClaimAssessment:
    """The bureau's suspension (``suspended``: reason by project id) holds
    every new claim of the project for review, whatever else the checks say."""
    check = suspension_of(project_id, suspended)
    if check is None:
        return assessment
    return replace(assessment, checks=(*assessment.checks, check))


def locking_methodology(assessment: ClaimAssessment) -> str | None:
    """The Shenzhen methodology of a claim that takes locks: normalised and
    not rejected by its own checks; None for a claim that takes none."""
    normalised = assessment.normalised
    if normalised is None or decide(assessment.checks) is Decision.REJECTED:
        return None
    return normalised.methodology


def lock_rules_of(
    standard: StandardTerms, submission: ClaimSubmission, methodology_id: str
) -> LockRules:
    """How the claim's Shenzhen methodology locks: a person's travel, a site
    rather than a project (the crosswalk may say so: FiT systems are sites),
    a site several programmes may share."""
    methodology = standard.methodology(methodology_id)
    entry = standard.crosswalk_entry(submission.partner, submission.partner_methodology)
    if methodology is None or entry is None:
        return LockRules()
    return LockRules(
        mobility=methodology.mobility,
        site_basis=standard.basis(entry) is Basis.SITE,
        shared_site=methodology.shared_site,
    )


def candidate_of(
    submission: ClaimSubmission, assessment: ClaimAssessment, standard: StandardTerms
) -> Candidate:
    """A new claim as its assessment left it, with its methodology's lock rules."""
    methodology = locking_methodology(assessment)
    rules = None if methodology is None else lock_rules_of(standard, submission, methodology)
    return Candidate(submission, assessment, rules)


def wanted_by(candidate: Candidate) -> Wanted:
    """The locks the candidate takes if granted, and its trip: a person's
    travel under a mobility methodology counts towards the person's days."""
    normalised = candidate.assessment.normalised
    rules = candidate.rules
    if normalised is None or rules is None:
        return Wanted()
    sub = candidate.submission
    locks = locks_for(sub, normalised, candidate.assessment.origin_block, rules)
    trip = trip_of(sub.person_pseudonym, normalised) if rules.mobility else None
    return Wanted(tuple(locks), trip)


def decide_batch(
    candidates: Sequence[Candidate], wanted: Sequence[Wanted], ledger: LedgerHolds
) -> list[BatchDecision]:
    """Each candidate's decision, in order (``wanted``: wanted_by of each).

    An earlier claim of the batch wins over a later one: what it is granted
    (locks, its site's programme, its trip's passenger-km) counts against
    every claim after it, as the ledger's own holdings do.
    """
    batch = _Batch(ledger)
    return [batch.decide(c, w) for c, w in zip(candidates, wanted, strict=True)]


def answer_repeat(
    original_claim_id: str,
    original_digest: str,
    original: Verdict,
    sub: ClaimSubmission,
    digest: str,
) -> Verdict:
    """The answer to a record id already recorded (``original``, with the
    content digest it was recorded with), sent again with content ``digest``.

    The same content is a resubmission: the original verdict, no new effect.
    Other content is refused (DUPLICATE_RECORD_CHANGED, resubmission False).
    """
    if original_digest == digest or _cancelled_since(original_digest, sub):
        return replace(original, resubmission=True)
    check = fire(
        "DUPLICATE_RECORD_CHANGED",
        record_id=sub.record_id,
        original_claim_id=original_claim_id,
        field="record_id",
    )
    return Verdict(
        partner=sub.partner,
        record_id=sub.record_id,
        claim_id=original_claim_id,
        decision=Decision.REJECTED,
        checks=(check,),
        resubmission=False,
    )


def _cancelled_since(original_digest: str, sub: ClaimSubmission) -> bool:
    """The record changed only by its origin status, from issued to cancelled.

    That is the origin registry's next export after it cancelled the block at
    source for the hub: the same reduction, no new effect. The cancellation
    itself reaches the hub as an attestation, which is what lets it issue.
    """
    if sub.origin_status is not OriginStatus.CANCELLED:
        return False
    as_issued = replace(sub, origin_status=OriginStatus.ISSUED)
    return as_issued.content_digest() == original_digest


class _Batch:
    """The batch decided so far: locks granted, sites bound, travel counted."""

    def __init__(self, ledger: LedgerHolds) -> None:
        self._held = ledger.held
        self._bindings = dict(ledger.site_bindings)
        self._daily = DailyMobility(ledger.counted_travel)
        self._limit = ledger.daily_limit_pkm
        self._taken = _BatchLocks()

    def decide(self, candidate: Candidate, wanted: Wanted) -> BatchDecision:
        # Worked out once: checked against the site's programme, granted and returned.
        binding = self._binding(candidate) if wanted.locks else None
        checks = list(candidate.assessment.checks)
        if wanted.locks:
            checks += self._collisions(candidate, wanted.locks, binding)
        decision = decide(checks)
        trip, limit = wanted.trip, self._limit
        # A trip of a claim not rejected already, taking a person's day too far.
        if trip is not None and limit is not None and decision is not Decision.REJECTED:
            implausible = self._daily.check(trip, limit)
            if implausible is not None:
                checks.append(implausible)
                decision = decide(checks)
        if decision is Decision.REJECTED:
            return BatchDecision(decision, tuple(checks), (), None, None)
        self._grant(candidate, wanted, binding)
        return BatchDecision(
            decision, tuple(checks), wanted.locks, binding, hold_reason(decision, checks)
        )

    def _collisions(
        self, candidate: Candidate, locks: tuple[ClaimLock, ...], binding: str | None
    ) -> list[CheckResult]:
        """Locks held by the ledger or the batch, then the site's other programme
        (``binding``: the programme the claim binds its site to)."""
        checks = _conflict_checks(locks, self._held, self._taken)
        site = candidate.submission.site_id
        bound = self._bindings.get(site) if site and binding else None
        if bound is not None and bound != binding:
            checks.append(
                fire(
                    "SITE_PROGRAMME_CONFLICT",
                    site_id=site,
                    other_methodology=bound,
                    field="site_id",
                )
            )
        return checks

    def _grant(self, candidate: Candidate, wanted: Wanted, binding: str | None) -> None:
        """A claim not rejected holds its locks, binds its site and counts its trip."""
        if wanted.trip is not None:
            self._daily.count(wanted.trip)
        for lock in wanted.locks:
            self._taken.grant(lock, candidate.submission)
        site = candidate.submission.site_id
        if site and binding:
            self._bindings.setdefault(site, binding)

    def _binding(self, candidate: Candidate) -> str | None:
        """The programme the claim binds its site to (None without a site or a
        programme), spelled as the site is already bound when that is a former
        id of the claim's methodology: the binding stays as stored, one
        programme under either id."""
        binding = candidate.assessment.site_binding
        site = candidate.submission.site_id
        if not (site and binding):
            return None
        bound = self._bindings.get(site)
        if bound is not None and bound in candidate.assessment.site_binding_formerly:
            return bound
        return binding


_CONFLICT_FIELDS: dict[LockKind, str] = {
    LockKind.CONTENT: "record_id",
    LockKind.PROJECT_PERIOD: "period_start",
    LockKind.PERSON_PERIOD: "person_pseudonym",
    LockKind.PERSON_TRAVEL: "period_start",
    LockKind.ORIGIN_SERIAL: "origin_serial",
}

_PERSON_KINDS = frozenset({LockKind.PERSON_PERIOD, LockKind.PERSON_TRAVEL})


class _BatchLocks:
    """Locks granted so far in this batch, indexed by (kind, key)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[LockKind, str], list[tuple[ClaimLock, ClaimSubmission]]] = {}

    def grant(self, lock: ClaimLock, holder: ClaimSubmission) -> None:
        self._by_key.setdefault((lock.kind, lock.key), []).append((lock, holder))

    def holder(self, lock: ClaimLock) -> LockHolder | None:
        for other_lock, holder in self._by_key.get((lock.kind, lock.key), ()):
            if lock.overlaps(other_lock):
                return LockHolder(holder.record_id, holder.partner)
        return None


def _conflict_checks(
    locks: Iterable[ClaimLock], ledger: Mapping[ClaimLock, LockHolder], taken: _BatchLocks
) -> list[CheckResult]:
    """One refusal per colliding kind, naming the first holder: the ledger's
    (recorded before this batch), else the batch's earlier claim."""
    holders: dict[ClaimLock, LockHolder] = {}
    for lock in locks:
        # Most batches collide with nothing stored: the mapping is empty then.
        holder = (ledger.get(lock) if ledger else None) or taken.holder(lock)
        if holder is not None:
            holders[lock] = holder
    if not holders:
        return []
    return [_conflict_check(lock, holders[lock]) for lock in reported_conflicts(holders)]


def _conflict_check(lock: ClaimLock, holder: LockHolder) -> CheckResult:
    return fire(
        CONFLICT_CODES[lock.kind],
        # A person key holds the pseudonym: not echoed to other partners.
        key="" if lock.kind in _PERSON_KINDS else lock.key,
        other_record_id=holder.record_id,
        other_partner=holder.partner,
        field=_CONFLICT_FIELDS[lock.kind],
    )
