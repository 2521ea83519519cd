"""Recording claims: normalise, check, refuse double issuance, store.

A batch is decided and recorded in ONE database transaction. The set-based
look-ups (projects, earlier record ids, lock conflicts, site bindings) and
the inserts happen inside it, and the database's own constraints are the
final word: when another hub process wins a race, the commit fails with
ConcurrentWriteConflict and the whole batch is decided again against what
that process committed. No rule depends on state held in this process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from uuid6 import uuid7

from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import ClaimAssessment, assess_claim
from hub.domain.claims import ClaimSubmission, Decision, OriginStatus, Verdict, decide
from hub.domain.issuance import ClaimState, claim_state, initial_state, issuance_on_acceptance
from hub.domain.locks import (
    CONFLICT_CODES,
    ClaimLock,
    LockKind,
    LockRules,
    locks_for,
    reported_conflicts,
)
from hub.domain.methodologies import Basis
from hub.domain.mobility import DailyMobility, Travel, window_of
from hub.domain.points import PointsRules
from hub.domain.signed_payloads import SignedRecord
from hub.errors import InvalidRequest
from hub.services.clock import Clock
from hub.services.points import award_points, credits_of
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import (
    LedgerEvent,
    LockConflict,
    NewClaimRecord,
    RefusedResubmission,
    StoredClaim,
    UnitOfWork,
    UnitOfWorkFactory,
)
from hub.standard import Standard

SUSPENDED_CHECK = "PROJECT_SUSPENDED_BY_BUREAU"


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """A claim's verdict and where it stands now."""

    verdict: Verdict
    state: ClaimState
    block_serials: tuple[str, ...]
    carried_tco2e: Decimal | None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A claim seen for the first time, with what the domain made of it."""

    index: int
    submission: ClaimSubmission
    assessment: ClaimAssessment
    digest: str


class IngestionService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        clock: Clock,
        *,
        write_retries: int = 8,
        authenticate: WriteAuthenticator | UnsignedOnly | None = None,
        points: PointsRules | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        # Exchange rules to carbon points (standards/points.yaml); none: no awards.
        self._points = points or PointsRules()
        self._standard = standard
        # Mobility methodologies: their claims' travel is kept by person and day.
        self._mobility = frozenset(m.id for m in standard.methodologies() if m.mobility)
        self._clock = clock
        self._write_retries = write_retries
        self._authenticate = authenticate or refuse_signed

    def submit(
        self,
        partner: str,
        submissions: Sequence[ClaimSubmission],
        *,
        signed: SignedRecord | None = None,
    ) -> list[Verdict]:
        """One verdict per submission, in order (``decide``'s verdicts)."""
        return [status.verdict for status in self.decide(partner, submissions, signed=signed)]

    def decide(
        self,
        partner: str,
        submissions: Sequence[ClaimSubmission],
        *,
        signed: SignedRecord | None = None,
    ) -> list[ClaimStatus]:
        """One verdict per submission, in order, with where the claim stands now:
        a new claim in the state its verdict puts it in, an exact resubmission
        in its current state (issued: with its serials), as ``status`` says.

        ``signed`` is the partner's signed envelope they came in: it is
        authenticated and kept in the same transaction, so a refused signature
        or sequence records nothing.
        """
        for sub in submissions:
            if sub.partner != partner:
                raise InvalidRequest(
                    "ENVELOPE_PARTNER_MISMATCH",
                    f"claim {sub.record_id} names partner {sub.partner}, the envelope {partner}",
                    {"record_id": sub.record_id, "claim_partner": sub.partner, "partner": partner},
                )
        if not submissions and signed is None:
            return []
        # When another process committed a conflicting row between our reads
        # and our write, the whole batch is decided again against its result.
        return run_in_transaction(
            self._uow_factory,
            lambda uow: self._decide_and_record(uow, partner, submissions, signed),
            retries=self._write_retries,
            what=f"batch of {partner}",
        )

    def check_signature(
        self, payload_type: str, payload: bytes, key_id: str, signature: bytes
    ) -> None:
        """Verify a partner's signature over the bytes received, before they are
        parsed (the partner keys are one registry for every signed kind)."""
        self._authenticate.check_signature(
            self._uow_factory, payload_type, payload, key_id, signature
        )

    def last_sequence(self, partner: str) -> int:
        """The partner's last accepted signed-write sequence (0: none yet)."""
        with self._uow_factory() as uow:
            return uow.signed_payloads.last_sequence(partner)

    def status(self, partner: str, record_id: str) -> ClaimStatus | None:
        with self._uow_factory() as uow:
            stored = uow.claims.get_by_record_ids(partner, [record_id]).get(record_id)
            if stored is None:
                return None
            return _standing(uow, [stored.verdict])[stored.claim_id]

    def _decide_and_record(
        self,
        uow: UnitOfWork,
        partner: str,
        submissions: Sequence[ClaimSubmission],
        signed: SignedRecord | None,
    ) -> list[ClaimStatus]:
        now = self._clock()
        self._authenticate(uow, signed, now)
        if not submissions:
            self._authenticate.keep(uow, signed, now)
            return []
        earlier = uow.claims.get_by_record_ids(partner, {s.record_id for s in submissions})
        project_ids = {s.project_id for s in submissions if s.project_id}
        projects = uow.projects.get_many(partner, project_ids) if project_ids else {}
        suspended = (
            {
                project_id: supervision.reason
                for project_id, supervision in uow.supervision.get_many(
                    partner, project_ids
                ).items()
                if supervision.suspended
            }
            if project_ids
            else {}
        )

        verdicts: list[Verdict | None] = [None] * len(submissions)
        candidates: list[_Candidate] = []
        refused: list[RefusedResubmission] = []
        digests = [sub.content_digest() for sub in submissions]
        first_in_batch: set[str] = set()
        resent: list[int] = []  # exact resubmissions of claims recorded before this batch
        for index, sub in enumerate(submissions):
            digest = digests[index]
            previous = earlier.get(sub.record_id)
            if previous is not None:
                answer = self._answer_repeat(previous, sub, digest, now, refused)
                verdicts[index] = answer
                if answer.resubmission:
                    resent.append(index)
                continue
            if sub.record_id in first_in_batch:
                # A row repeated inside one delivery is answered like a
                # resubmission, once the batch's decisions are made (below).
                continue
            project = projects.get(sub.project_id) if sub.project_id else None
            assessment = assess_claim(sub, self._standard, project, now)
            if sub.project_id in suspended:
                # The bureau's suspension holds every new claim of the project
                # for review, whatever else the checks say.
                check = fire(
                    SUSPENDED_CHECK,
                    project_id=sub.project_id or "",
                    reason=suspended[sub.project_id or ""],
                    field="project_id",
                )
                assessment = replace(assessment, checks=(*assessment.checks, check))
            candidate = _Candidate(index, sub, assessment, digest)
            candidates.append(candidate)
            first_in_batch.add(sub.record_id)

        records = self._decide_candidates(uow, partner, candidates, now)
        by_record = {r.submission.record_id: r for r in records}
        for candidate, record in zip(candidates, records, strict=True):
            verdicts[candidate.index] = record.verdict
        for index, sub in enumerate(submissions):
            if verdicts[index] is None:
                original = by_record[sub.record_id]
                stored = StoredClaim(
                    original.verdict.claim_id,
                    partner,
                    sub.record_id,
                    original.content_digest,
                    original.verdict,
                )
                verdicts[index] = self._answer_repeat(stored, sub, digests[index], now, refused)

        uow.claims.add(records)
        uow.mobility.record(self._travel_of(records))
        if refused:
            uow.claims.add_refused(refused)
        # Accepted personal claims earn their persons points in this transaction.
        awarded = award_points(uow, self._points, credits_of(records, self._points), partner, now)
        # RECEIVED -> decision, one audit event per new claim, naming the
        # signed envelope it came in (when it came signed).
        envelope = {"sequence": str(signed.sequence)} if signed is not None else {}
        uow.events.append(
            [
                LedgerEvent(
                    "claim",
                    r.verdict.claim_id,
                    str(r.verdict.decision),
                    partner,
                    now,
                    {
                        "record_id": r.submission.record_id,
                        "content_digest": r.content_digest,
                        "credited_tco2e": str(r.verdict.credited_tco2e or ""),
                        **envelope,
                    },
                )
                for r in records
            ]
            + awarded
        )
        self._authenticate.keep(uow, signed, now)
        decided = [v for v in verdicts if v is not None]
        # A resubmitted claim is answered with where it stands now (issued,
        # voided, decided by a reviewer), as GetClaimStatus would answer it.
        standing = _standing(uow, [decided[i] for i in resent]) if resent else {}
        repeated = set(resent)
        return [
            replace(standing[v.claim_id], verdict=v) if i in repeated else _as_new(v)
            for i, v in enumerate(decided)
        ]

    def _lock_rules(self, submission: ClaimSubmission, methodology_id: str) -> LockRules:
        methodology = self._standard.methodology(methodology_id)
        entry = self._standard.crosswalk_entry(submission.partner, submission.partner_methodology)
        if methodology is None or entry is None:
            return LockRules()
        return LockRules(
            mobility=methodology.mobility,
            # The crosswalk may say (FiT systems are sites, not projects).
            site_basis=self._standard.basis(entry) is Basis.SITE,
            shared_site=methodology.shared_site,
        )

    def _counted_travel(self, uow: UnitOfWork, travel: Iterable[Travel]) -> DailyMobility:
        """The persons' counted travel on the days the batch's travel touches."""
        batch = list(travel)
        window = window_of(batch)
        if window is None:
            return DailyMobility()
        persons = sorted({t.person for t in batch})
        return DailyMobility(uow.mobility.counted_travel(persons, self._mobility, *window))

    def _travel_of(self, records: Sequence[NewClaimRecord]) -> list[tuple[str, Travel]]:
        """The travel of the new mobility claims of persons, whatever their
        decision: a later review may make a rejected or held claim count."""
        travel: list[tuple[str, Travel]] = []
        for r in records:
            normalised = r.normalised
            person = r.submission.person_pseudonym
            if normalised is None or not person or normalised.methodology not in self._mobility:
                continue
            person = person.strip()
            if person:
                trip = Travel(
                    person,
                    normalised.period_start,
                    normalised.period_end,
                    normalised.activity_value,
                )
                travel.append((r.verdict.claim_id, trip))
        return travel

    @staticmethod
    def _answer_repeat(
        previous: StoredClaim,
        sub: ClaimSubmission,
        digest: str,
        now: datetime,
        refused: list[RefusedResubmission],
    ) -> Verdict:
        if previous.content_digest == digest or _cancelled_since(previous, sub):
            # Exact resubmission: the original verdict, no new effect.
            return replace(previous.verdict, resubmission=True)
        refused.append(RefusedResubmission(sub, previous.claim_id, digest, now))
        check = fire(
            "DUPLICATE_RECORD_CHANGED",
            record_id=sub.record_id,
            original_claim_id=previous.claim_id,
            field="record_id",
        )
        return Verdict(
            partner=sub.partner,
            record_id=sub.record_id,
            claim_id=previous.claim_id,
            decision=Decision.REJECTED,
            checks=(check,),
            resubmission=False,
        )

    def _decide_candidates(
        self, uow: UnitOfWork, partner: str, candidates: list[_Candidate], now: datetime
    ) -> list[NewClaimRecord]:
        wanted: dict[int, list[ClaimLock]] = {}
        travel: dict[int, Travel] = {}
        for c in candidates:
            normalised = c.assessment.normalised
            if normalised is None or decide(c.assessment.checks) is Decision.REJECTED:
                continue
            rules = self._lock_rules(c.submission, normalised.methodology)
            wanted[c.index] = locks_for(c.submission, normalised, c.assessment.origin_block, rules)
            person = (c.submission.person_pseudonym or "").strip()
            if rules.mobility and person:
                travel[c.index] = Travel(
                    person,
                    normalised.period_start,
                    normalised.period_end,
                    normalised.activity_value,
                )
        # Read (and on PostgreSQL serialise) the persons' counted travel before
        # the locks: a process that waited here then sees the other's trips.
        daily = self._counted_travel(uow, travel.values())
        all_locks = [lock for locks in wanted.values() for lock in locks]
        ledger_conflicts: dict[ClaimLock, LockConflict] = {}
        for conflict in uow.claims.find_lock_conflicts(all_locks) if all_locks else []:
            ledger_conflicts.setdefault(conflict.requested, conflict)
        site_ids = {c.submission.site_id for c in candidates if c.submission.site_id}
        bindings = uow.claims.site_bindings(partner, site_ids) if site_ids else {}
        daily_limit = self._standard.header.person_daily_mobility_pkm

        taken = _BatchLocks()
        records: list[NewClaimRecord] = []
        for c in candidates:
            checks: list[CheckResult] = list(c.assessment.checks)
            locks = wanted.get(c.index, [])
            if locks:
                checks.extend(_conflict_checks(locks, ledger_conflicts, taken))
                binding = c.assessment.site_binding
                site = c.submission.site_id
                if site and binding:
                    bound = bindings.get(site)
                    if bound is not None and bound != binding:
                        checks.append(
                            fire(
                                "SITE_PROGRAMME_CONFLICT",
                                site_id=site,
                                other_methodology=bound,
                                field="site_id",
                            )
                        )
            trip = travel.get(c.index)
            if (
                trip is not None
                and daily_limit is not None
                and decide(checks) is not Decision.REJECTED
            ):
                implausible = daily.check(trip, daily_limit.value)
                if implausible is not None:
                    checks.append(implausible)
            decision = decide(checks)
            granted = tuple(locks) if decision is not Decision.REJECTED else ()
            if trip is not None and decision is not Decision.REJECTED:
                daily.count(trip)
            if granted:
                for lock in granted:
                    taken.grant(lock, c.submission)
                if c.submission.site_id and c.assessment.site_binding:
                    bindings.setdefault(c.submission.site_id, c.assessment.site_binding)
            normalised = c.assessment.normalised
            verdict = Verdict(
                partner=partner,
                record_id=c.submission.record_id,
                # Time-ordered (UUIDv7): the claim key, its locks' claim_id index and
                # its audit events append at the end of their B-trees instead of
                # landing on random pages, which made ingestion slow down as the
                # ledger grew (docs/ingestion-profile.md, "Cost against ledger size").
                claim_id=uuid7().hex,
                decision=decision,
                checks=tuple(checks),
                methodology=normalised.methodology if normalised else None,
                vintage=normalised.vintage if normalised else None,
                reported_tco2e=normalised.reported_tco2e if normalised else None,
                recomputed_tco2e=normalised.recomputed_tco2e if normalised else None,
                credited_tco2e=normalised.credited_tco2e if normalised else None,
                trace=normalised.trace if normalised else None,
            )
            site_binding = c.assessment.site_binding if granted and c.submission.site_id else None
            held_by_suspension = decision is Decision.HELD and any(
                check.code == SUSPENDED_CHECK for check in checks
            )
            records.append(
                NewClaimRecord(
                    submission=c.submission,
                    normalised=normalised,
                    verdict=verdict,
                    content_digest=c.digest,
                    locks=granted,
                    site_binding=site_binding,
                    received_at=now,
                    issuance=issuance_on_acceptance(verdict),
                    hold_reason=SUSPENDED_CHECK if held_by_suspension else None,
                )
            )
        return records


def _as_new(verdict: Verdict) -> ClaimStatus:
    """A claim decided by this batch: the state its verdict puts it in."""
    return ClaimStatus(verdict, initial_state(verdict), (), None)


def _standing(uow: UnitOfWork, verdicts: Sequence[Verdict]) -> dict[str, ClaimStatus]:
    """Recorded claims where they stand now, by claim id: the stored verdict
    (a reviewer's decision included), the state from the decision and the
    issuance, and once issued the serials of its blocks and the carry."""
    views = {v.claim_id: uow.claims.ledger_view(v.claim_id) for v in verdicts}
    issued = uow.issuance.of_claims(
        [claim_id for claim_id, view in views.items() if view is not None and view.issuance]
    )
    standing: dict[str, ClaimStatus] = {}
    for verdict in verdicts:
        view = views[verdict.claim_id]
        issuance = issued.get(verdict.claim_id)
        decision = str(view.decision) if view is not None else str(verdict.decision)
        standing[verdict.claim_id] = ClaimStatus(
            verdict=view.verdict if view is not None else verdict,
            state=claim_state(decision, view.issuance if view is not None else None),
            block_serials=issuance.block_serials if issuance else (),
            carried_tco2e=issuance.carried_after if issuance else None,
        )
    return standing


def _cancelled_since(previous: StoredClaim, sub: ClaimSubmission) -> bool:
    """The record changed only by its origin status, from issued to cancelled.

    That is the origin registry's next export after it cancelled the block at
    source for the hub: the same reduction, no new effect. The cancellation
    itself reaches the hub as an attestation, which is what lets it issue.
    """
    if sub.origin_status is not OriginStatus.CANCELLED:
        return False
    as_issued = replace(sub, origin_status=OriginStatus.ISSUED)
    return as_issued.content_digest() == previous.content_digest


_CONFLICT_FIELDS: dict[LockKind, str] = {
    LockKind.CONTENT: "record_id",
    LockKind.PROJECT_PERIOD: "period_start",
    LockKind.PERSON_PERIOD: "person_pseudonym",
    LockKind.PERSON_TRAVEL: "period_start",
    LockKind.ORIGIN_SERIAL: "origin_serial",
}


class _BatchLocks:
    """Locks granted so far in this batch, indexed by (kind, key)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[LockKind, str], list[tuple[ClaimLock, ClaimSubmission]]] = {}

    def grant(self, lock: ClaimLock, holder: ClaimSubmission) -> None:
        self._by_key.setdefault((lock.kind, lock.key), []).append((lock, holder))

    def holder(self, lock: ClaimLock) -> ClaimSubmission | None:
        for other_lock, holder in self._by_key.get((lock.kind, lock.key), ()):
            if lock.overlaps(other_lock):
                return holder
        return None


def _conflict_checks(
    locks: list[ClaimLock], ledger: dict[ClaimLock, LockConflict], taken: _BatchLocks
) -> list[CheckResult]:
    """One refusal per colliding kind, naming the first holder: the ledger's
    (recorded before this batch), else the batch's earlier claim."""
    holders: dict[ClaimLock, tuple[str, str]] = {}
    for lock in locks:
        # Most batches collide with nothing stored: the dict is empty then.
        conflict = ledger.get(lock) if ledger else None
        if conflict is not None:
            holders[lock] = (conflict.held_by_record_id, conflict.held_by_partner)
            continue
        holder = taken.holder(lock)
        if holder is not None:
            holders[lock] = (holder.record_id, holder.partner)
    if not holders:
        return []
    return [_conflict_check(lock, *holders[lock]) for lock in reported_conflicts(holders)]


def _conflict_check(lock: ClaimLock, other_record_id: str, other_partner: str) -> CheckResult:
    return fire(
        CONFLICT_CODES[lock.kind],
        # A person key holds the pseudonym: not echoed to other partners.
        key="" if lock.kind in _PERSON_KINDS else lock.key,
        other_record_id=other_record_id,
        other_partner=other_partner,
        field=_CONFLICT_FIELDS[lock.kind],
    )


_PERSON_KINDS = frozenset({LockKind.PERSON_PERIOD, LockKind.PERSON_TRAVEL})
