"""Recording claims: normalise, check, refuse double issuance, store.

A batch is decided and recorded in ONE database transaction. The set-based
look-ups (projects, earlier record ids, lock conflicts, site bindings) and
the inserts happen inside it, and the database's own constraints are the
final word: when another hub process wins a race, the commit fails with
ConcurrentWriteConflict and the whole batch is decided again against what
that process committed. No rule depends on state held in this process.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from uuid6 import uuid7

from carbonhub_contract.vocabulary.records import AdjustmentStatus, ClaimSubmission
from hub.domain.batch_decision import (
    BatchDecision,
    Candidate,
    LedgerHolds,
    LockHolder,
    Wanted,
    answer_repeat,
    candidate_of,
    decide_batch,
    wanted_by,
    with_suspension,
)
from hub.domain.claim_assessment import ClaimAssessment, assess_claim
from hub.domain.claims import Verdict
from hub.domain.inventory_exclusions import with_exclusion
from hub.domain.issuance import ClaimState, claim_state, initial_state, issuance_on_acceptance
from hub.domain.locks import ClaimLock
from hub.domain.mobility import Travel, person_days, trip_of
from hub.domain.points import PointsRules
from hub.domain.signed_payloads import SignedRecord
from hub.errors import InvalidRequest
from hub.services.asset_checks import thresholds_of
from hub.services.audit_port import LedgerEvent
from hub.services.claim_port import NewClaimRecord, RefusedResubmission
from hub.services.clock import Clock
from hub.services.issuance_port import IssuedPart
from hub.services.points import award_details, credits_of, record_awards
from hub.services.register_claims import register_checked
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """A claim's verdict and where it stands now."""

    verdict: Verdict
    state: ClaimState
    block_serials: tuple[str, ...]
    carried_tco2e: Decimal | None
    # Once issued, its tonnes per calendar vintage (hub.domain.vintage_parts).
    parts: tuple[IssuedPart, ...] = ()


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
        # The asset matching's tolerances, for the registers outside the hub.
        self._thresholds = thresholds_of(standard.header.asset_matching)
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
        batch = self._sort(uow, partner, submissions, now)
        records, trips = self._decide_new(uow, partner, batch.new, now)
        verdicts = batch.verdicts(records)
        # A record id re-sent with other content is refused, and kept for audit.
        refused = [
            RefusedResubmission(submissions[i], verdicts[i].claim_id, batch.digests[i], now)
            for i in (*batch.answered, *batch.again)
            if not verdicts[i].resubmission
        ]
        self._record(uow, partner, records, trips, refused, signed, now)
        self._authenticate.keep(uow, signed, now)
        # A resubmitted claim is answered with where it stands now (issued,
        # voided, decided by a reviewer), as GetClaimStatus would answer it.
        resent = {i for i, verdict in batch.answered.items() if verdict.resubmission}
        standing = _standing(uow, [verdicts[i] for i in sorted(resent)]) if resent else {}
        return [
            replace(standing[v.claim_id], verdict=v) if i in resent else _as_new(v)
            for i, v in enumerate(verdicts)
        ]

    def _sort(
        self,
        uow: UnitOfWork,
        partner: str,
        submissions: Sequence[ClaimSubmission],
        now: datetime,
    ) -> _SortedBatch:
        """Answer the record ids the ledger holds; assess each new one once."""
        earlier = uow.claims.get_by_record_ids(partner, {s.record_id for s in submissions})
        project_ids = {s.project_id for s in submissions if s.project_id}
        projects = uow.projects.get_many(partner, project_ids) if project_ids else {}
        suspended = _suspended(uow, partner, project_ids)
        exclusions = _exclusions(uow, partner, submissions)
        batch = _SortedBatch(submissions, [sub.content_digest() for sub in submissions])
        first_in_batch: set[str] = set()
        assessed: list[tuple[int, ClaimSubmission, ClaimAssessment]] = []
        for index, sub in enumerate(submissions):
            previous = earlier.get(sub.record_id)
            if previous is not None:
                batch.answered[index] = answer_repeat(
                    previous.claim_id,
                    previous.content_digest,
                    previous.verdict,
                    sub,
                    batch.digests[index],
                )
            elif sub.record_id in first_in_batch:
                # A row repeated inside one delivery is answered like a
                # resubmission, once the batch's decisions are made.
                batch.again.append(index)
            else:
                project = projects.get(sub.project_id) if sub.project_id else None
                assessment = assess_claim(sub, self._standard, project, now)
                assessment = with_exclusion(assessment, sub.adjustment_ref, exclusions)
                assessed.append(
                    (index, sub, with_suspension(assessment, sub.project_id, suspended))
                )
                first_in_batch.add(sub.record_id)
        # The registers outside the hub, for the whole batch in one look-up;
        # then the methodology's lock rules of what the checks left.
        checked = register_checked(
            uow, self._thresholds, [(sub, a) for _, sub, a in assessed], projects
        )
        for (index, sub, _), assessment in zip(assessed, checked, strict=True):
            candidate = candidate_of(sub, assessment, self._standard)
            batch.new.append(_New(index, candidate, batch.digests[index]))
        return batch

    def _record(
        self,
        uow: UnitOfWork,
        partner: str,
        records: Sequence[NewClaimRecord],
        trips: Sequence[Travel | None],
        refused: Sequence[RefusedResubmission],
        signed: SignedRecord | None,
        now: datetime,
    ) -> None:
        """Store the batch's new claims, its refused resubmissions, the points
        its claims earn and one audit event per new claim."""
        uow.claims.add(records)
        uow.mobility.record(self._travel_of(records, trips))
        if refused:
            uow.claims.add_refused(refused)
        # Accepted personal claims earn their persons points in this
        # transaction; each award is told in its claim's decision event.
        awards = award_details(
            record_awards(
                uow, self._points, credits_of(records, self._points), now, created_here=True
            ),
            self._points,
        )
        # RECEIVED -> decision, one audit event per new claim, naming the
        # signed envelope it came in (when it came signed).
        envelope = {"sequence": str(signed.sequence)} if signed is not None else {}
        no_award: dict[str, str] = {}
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
                        **awards.get(r.verdict.claim_id, no_award),
                    },
                )
                for r in records
            ]
        )

    def _counted_travel(self, uow: UnitOfWork, travel: Iterable[Travel]) -> list[Travel]:
        """The persons' counted travel on the days the batch's travel touches."""
        days = person_days(travel)
        return uow.mobility.counted_travel(days, self._mobility) if days else []

    def _travel_of(
        self, records: Sequence[NewClaimRecord], trips: Sequence[Travel | None]
    ) -> list[tuple[str, Travel]]:
        """The travel of the new mobility claims of persons, whatever their
        decision: a later review may make a rejected or held claim count.
        ``trips``: each record's trip as the batch decision counted it (None
        where its own checks rejected it, so it wanted nothing)."""
        travel: list[tuple[str, Travel]] = []
        for r, trip in zip(records, trips, strict=True):
            normalised = r.normalised
            if normalised is None or normalised.methodology not in self._mobility:
                continue
            if trip is None:
                trip = trip_of(r.submission.person_pseudonym, normalised)
            if trip is not None:
                travel.append((r.verdict.claim_id, trip))
        return travel

    def _decide_new(
        self, uow: UnitOfWork, partner: str, new: Sequence[_New], now: datetime
    ) -> tuple[list[NewClaimRecord], list[Travel | None]]:
        """Decide the batch's new claims (hub.domain.batch_decision) against
        what the ledger holds of their locks, sites and persons' travel; the
        records and the trip each wanted counted (kept with the claim)."""
        wanted = [wanted_by(n.candidate) for n in new]
        ledger = self._ledger_holds(uow, partner, new, wanted)
        decisions = decide_batch([n.candidate for n in new], wanted, ledger)
        records = [_new_record(partner, n, d, now) for n, d in zip(new, decisions, strict=True)]
        return records, [w.trip for w in wanted]

    def _ledger_holds(
        self, uow: UnitOfWork, partner: str, new: Sequence[_New], wanted: Sequence[Wanted]
    ) -> LedgerHolds:
        # Read (and on PostgreSQL serialise) the persons' counted travel before
        # the locks: a process that waited here then sees the other's trips.
        counted = self._counted_travel(uow, [w.trip for w in wanted if w.trip is not None])
        all_locks = [lock for w in wanted for lock in w.locks]
        held: dict[ClaimLock, LockHolder] = {}
        for conflict in uow.claims.find_lock_conflicts(all_locks) if all_locks else []:
            holder = LockHolder(conflict.held_by_record_id, conflict.held_by_partner)
            held.setdefault(conflict.requested, holder)
        subs = [n.candidate.submission for n in new]
        site_ids = {sub.site_id for sub in subs if sub.site_id}
        bindings = uow.claims.site_bindings(partner, site_ids) if site_ids else {}
        limit = self._standard.header.person_daily_mobility_pkm
        return LedgerHolds(held, bindings, counted, limit.value if limit is not None else None)


@dataclass(frozen=True, slots=True)
class _New:
    """A claim seen for the first time: its place in the batch, what the
    domain made of it and its content digest."""

    index: int
    candidate: Candidate
    digest: str


@dataclass(slots=True)
class _SortedBatch:
    """A batch sorted by what the ledger and the batch already hold of its record ids."""

    submissions: Sequence[ClaimSubmission]
    digests: list[str]
    # Record ids the ledger holds, answered by position (in order).
    answered: dict[int, Verdict] = field(default_factory=dict)
    new: list[_New] = field(default_factory=list)
    # Positions repeating a record id first seen earlier in this batch.
    again: list[int] = field(default_factory=list)

    def verdicts(self, records: Sequence[NewClaimRecord]) -> list[Verdict]:
        """Every submission's verdict, in order, once the new claims are
        decided (``records``: one per new claim, in order)."""
        verdicts = dict(self.answered)
        for item, record in zip(self.new, records, strict=True):
            verdicts[item.index] = record.verdict
        by_record = {r.submission.record_id: r for r in records}
        for index in self.again:
            sub = self.submissions[index]
            original = by_record[sub.record_id]
            verdicts[index] = answer_repeat(
                original.verdict.claim_id,
                original.content_digest,
                original.verdict,
                sub,
                self.digests[index],
            )
        return [verdicts[index] for index in range(len(self.submissions))]


def _exclusions(
    uow: UnitOfWork, partner: str, submissions: Sequence[ClaimSubmission]
) -> dict[str, AdjustmentStatus]:
    """The attested status of each inventory exclusion the batch's claims name."""
    references = {(s.adjustment_ref or "").strip() for s in submissions} - {""}
    found = {ref: uow.attestations.adjustment_status(partner, ref) for ref in sorted(references)}
    return {ref: status for ref, status in found.items() if status is not None}


def _suspended(uow: UnitOfWork, partner: str, project_ids: Collection[str]) -> dict[str, str]:
    """The bureau's reason for each of ``project_ids`` it suspended."""
    if not project_ids:
        return {}
    supervisions = uow.supervision.get_many(partner, project_ids)
    return {
        project_id: supervision.reason
        for project_id, supervision in supervisions.items()
        if supervision.suspended
    }


def _new_record(partner: str, new: _New, decided: BatchDecision, now: datetime) -> NewClaimRecord:
    """The ledger's row of a claim decided by this batch."""
    sub = new.candidate.submission
    normalised = new.candidate.assessment.normalised
    verdict = Verdict(
        partner=partner,
        record_id=sub.record_id,
        # Time-ordered (UUIDv7): the claim key, its locks' claim_id index and
        # its audit events append at the end of their B-trees instead of
        # landing on random pages, which made ingestion slow down as the
        # ledger grew (docs/ingestion-profile.md, "Cost against ledger size").
        claim_id=uuid7().hex,
        decision=decided.decision,
        checks=decided.checks,
        methodology=normalised.methodology if normalised else None,
        vintage=normalised.vintage if normalised else None,
        reported_tco2e=normalised.reported_tco2e if normalised else None,
        recomputed_tco2e=normalised.recomputed_tco2e if normalised else None,
        credited_tco2e=normalised.credited_tco2e if normalised else None,
        trace=normalised.trace if normalised else None,
    )
    return NewClaimRecord(
        submission=sub,
        normalised=normalised,
        verdict=verdict,
        content_digest=new.digest,
        locks=decided.locks,
        site_binding=decided.site_binding,
        received_at=now,
        issuance=issuance_on_acceptance(verdict),
        hold_reason=decided.hold_reason,
        # _record_decisions appends each stored claim's decision event, with
        # its content digest, in the same unit of work.
        content_digest_in_event=True,
    )


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
            parts=issuance.parts if issuance else (),
        )
    return standing
