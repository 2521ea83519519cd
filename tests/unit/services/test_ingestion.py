"""IngestionService: verdicts, resubmissions and double-issuance refusals, on in-memory storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

import pytest

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision, OriginStatus
from hub.domain.checks import CheckResult
from hub.domain.claims import Verdict
from hub.domain.locks import ClaimLock, LockKind
from hub.errors import InvalidRequest, StorageUnavailable
from hub.services.claim_port import (
    ClaimRepository,
    LockConflict,
    NewClaimRecord,
    RefusedResubmission,
    StoredClaim,
)
from hub.services.ingestion import IngestionService
from hub.services.projects import ProjectRegistrationService
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork
from hub.standard import Standard
from tests.fakes import FakeUnitOfWorkFactory

from .builders import PARTNER, PERSON_A, PERSON_B, PERSON_C, metro, pv, pv_project
from .conftest import fixed_clock


def verdict_of(service: IngestionService, record_id: str) -> Verdict | None:
    """The stored verdict of a record, as GetClaimStatus answers it."""
    status = service.status(PARTNER, record_id)
    return None if status is None else status.verdict


def codes(verdict: Verdict) -> set[str]:
    return {c.code for c in verdict.checks}


def error_codes(verdict: Verdict) -> set[str]:
    return {c.code for c in verdict.checks if c.severity is Severity.ERROR}


def check(verdict: Verdict, code: str) -> CheckResult:
    found = [c for c in verdict.checks if c.code == code]
    assert len(found) == 1, f"expected one {code} in {codes(verdict)}"
    return found[0]


@pytest.fixture
def service(uow_factory: FakeUnitOfWorkFactory, standard: Standard) -> IngestionService:
    return IngestionService(uow_factory, standard, fixed_clock)


@pytest.fixture
def registered_project(uow_factory: FakeUnitOfWorkFactory, standard: Standard) -> None:
    results = ProjectRegistrationService(uow_factory, standard).register(PARTNER, [pv_project()])
    assert [r.decision for r in results] == [Decision.ACCEPTED]


def submit_each(
    service: IngestionService, claims: Sequence[ClaimSubmission], *, same_batch: bool
) -> list[Verdict]:
    if same_batch:
        return service.submit(PARTNER, claims)
    return [service.submit(PARTNER, [claim])[0] for claim in claims]


# --- One verdict per submission ------------------------------------------------


def test_one_verdict_per_submission_in_order(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    claims = [
        metro("M1"),
        metro("M2", person_pseudonym="not-a-pseudonym", activity_quantity="40"),
        metro("M3", person_pseudonym=PERSON_B),
    ]

    verdicts = service.submit(PARTNER, claims)

    assert [v.record_id for v in verdicts] == ["M1", "M2", "M3"]
    assert [v.decision for v in verdicts] == [
        Decision.ACCEPTED,
        Decision.REJECTED,
        Decision.ACCEPTED,
    ]
    assert "PSEUDONYM_MALFORMED" in error_codes(verdicts[1])
    assert all(v.partner == PARTNER and not v.resubmission for v in verdicts)
    assert len({v.claim_id for v in verdicts}) == 3
    # Rejected claims are recorded too, so the partner can ask for them later.
    assert len(uow_factory.store.claims) == 3
    for verdict in verdicts:
        assert verdict_of(service, verdict.record_id) == verdict


def test_claim_ids_are_time_ordered_uuid7_across_envelopes(service: IngestionService) -> None:
    # Time-ordered ids keep the ledger's claim-keyed indexes appending as it
    # grows (docs/ingestion-profile.md); uniqueness alone would not.
    first = service.submit(PARTNER, [metro("T1"), metro("T2", person_pseudonym=PERSON_B)])
    second = service.submit(PARTNER, [metro("T3", person_pseudonym=PERSON_C)])
    ids = [v.claim_id for v in (*first, *second)]

    assert all(uuid.UUID(hex=i).version == 7 for i in ids)
    assert ids[2] > max(ids[:2])
    assert len(set(ids)) == 3


def test_accepted_claim_is_normalised_to_the_shenzhen_methodology(
    service: IngestionService, standard: Standard
) -> None:
    (verdict,) = service.submit(PARTNER, [metro("M1")])

    assert verdict.decision is Decision.ACCEPTED
    assert verdict.methodology == "SZ-TRANSIT-METRO"
    assert verdict.vintage == 2024
    assert verdict.credited_tco2e is not None and verdict.credited_tco2e > 0
    assert verdict.trace is not None
    assert verdict.trace.standard_version == standard.version


def test_empty_batch_answers_nothing_and_stores_nothing(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    assert service.submit(PARTNER, []) == []
    assert uow_factory.store.claims == {}


def test_status_of_an_unknown_record_is_none(service: IngestionService) -> None:
    assert verdict_of(service, "NEVER-SENT") is None


# --- Resubmissions ----------------------------------------------------------------


def test_exact_resubmission_returns_the_original_verdict_and_stores_nothing_new(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    (first,) = service.submit(PARTNER, [metro("M1")])
    claims_before = dict(uow_factory.store.claims)
    locks_before = sorted(uow_factory.store.all_locks(), key=repr)

    # A later delivery re-sends the same record: the delivery id is not content.
    (again,) = service.submit(PARTNER, [metro("M1", delivery_id="GD-20241107-02")])

    assert again.resubmission is True
    assert again.claim_id == first.claim_id
    assert again == replace(first, resubmission=True)
    assert uow_factory.store.claims == claims_before
    assert sorted(uow_factory.store.all_locks(), key=repr) == locks_before
    assert uow_factory.store.refused == []
    assert verdict_of(service, "M1") == first


def test_resubmitting_a_rejected_claim_returns_the_rejection(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    bad = metro("M1", region_code="310000")  # Shanghai: outside Guangdong
    (first,) = service.submit(PARTNER, [bad])
    assert first.decision is Decision.REJECTED

    (again,) = service.submit(PARTNER, [bad])

    assert again.resubmission is True
    assert again.decision is Decision.REJECTED
    assert again.claim_id == first.claim_id
    assert "SITE_OUTSIDE_PARTNER_REGION" in codes(again)
    assert len(uow_factory.store.claims) == 1


def test_changed_content_under_the_same_record_id_is_refused_and_the_original_stands(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    (first,) = service.submit(PARTNER, [metro("M1")])

    (changed,) = service.submit(PARTNER, [metro("M1", activity_quantity="250")])

    assert changed.decision is Decision.REJECTED
    assert codes(changed) == {"DUPLICATE_RECORD_CHANGED"}
    assert changed.claim_id == first.claim_id
    assert changed.resubmission is False
    assert check(changed, "DUPLICATE_RECORD_CHANGED").details["original_claim_id"] == (
        first.claim_id
    )
    assert verdict_of(service, "M1") == first
    assert len(uow_factory.store.claims) == 1
    assert [r.original_claim_id for r in uow_factory.store.refused] == [first.claim_id]
    assert [r.submission.activity_quantity for r in uow_factory.store.refused] == ["250"]

    # Sending the changed version again is still refused, not taken as a resubmission.
    (once_more,) = service.submit(PARTNER, [metro("M1", activity_quantity="250")])
    assert once_more.decision is Decision.REJECTED
    assert codes(once_more) == {"DUPLICATE_RECORD_CHANGED"}
    assert verdict_of(service, "M1") == first


def test_a_record_repeated_inside_one_batch_is_a_resubmission(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    first, second = service.submit(PARTNER, [metro("M1"), metro("M1")])

    assert first.decision is Decision.ACCEPTED
    assert first.resubmission is False
    assert codes(first) & {"DUPLICATE_CONTENT", "PERSON_PERIOD_OVERLAP"} == set()
    assert second.resubmission is True
    assert second.claim_id == first.claim_id
    assert second.decision is Decision.ACCEPTED
    assert len(uow_factory.store.claims) == 1


def test_a_record_repeated_with_changes_inside_one_batch_keeps_the_first(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    first, second = service.submit(PARTNER, [metro("M1"), metro("M1", activity_quantity="250")])

    assert first.decision is Decision.ACCEPTED
    assert second.decision is Decision.REJECTED
    assert codes(second) == {"DUPLICATE_RECORD_CHANGED"}
    assert second.claim_id == first.claim_id
    stored = verdict_of(service, "M1")
    assert stored is not None and stored.claim_id == first.claim_id
    assert stored.decision is Decision.ACCEPTED
    assert [r.submission.activity_quantity for r in uow_factory.store.stored_records()] == ["300"]
    assert len(uow_factory.store.refused) == 1


# --- Double issuance ---------------------------------------------------------------


@pytest.mark.parametrize("same_batch", [False, True], ids=["across-batches", "one-batch"])
def test_same_content_under_a_new_record_id_is_refused(
    service: IngestionService, same_batch: bool
) -> None:
    original = metro("M1")
    copy = replace(original, record_id="M1-COPY", delivery_id="GD-20241107-02")

    first, second = submit_each(service, [original, copy], same_batch=same_batch)

    assert first.decision is Decision.ACCEPTED
    assert second.decision is Decision.REJECTED
    assert "DUPLICATE_CONTENT" in codes(second)
    # The same reduction also collides on the person's period: both may be named.
    assert error_codes(second) <= {"DUPLICATE_CONTENT", "PERSON_PERIOD_OVERLAP"}
    assert check(second, "DUPLICATE_CONTENT").details["other_record_id"] == "M1"
    assert second.claim_id != first.claim_id


@pytest.mark.parametrize("same_batch", [False, True], ids=["across-batches", "one-batch"])
@pytest.mark.usefixtures("registered_project")
def test_overlapping_project_periods_are_refused_adjacent_ones_accepted(
    service: IngestionService, same_batch: bool
) -> None:
    claims = [
        pv("P-JUNE", "2025-06-01", "2025-06-30"),
        pv("P-MID", "2025-06-20", "2025-07-05", activity_quantity="4000"),
        pv("P-JULY", "2025-07-01", "2025-07-31", activity_quantity="9300"),
    ]

    june, mid, july = submit_each(service, claims, same_batch=same_batch)

    assert june.decision is Decision.ACCEPTED
    assert mid.decision is Decision.REJECTED
    assert error_codes(mid) == {"PROJECT_PERIOD_OVERLAP"}
    assert check(mid, "PROJECT_PERIOD_OVERLAP").details["other_record_id"] == "P-JUNE"
    # July starts the instant June ends; the rejected mid-period claim holds no lock.
    assert july.decision is Decision.ACCEPTED, codes(july)


@pytest.mark.parametrize("same_batch", [False, True], ids=["across-batches", "one-batch"])
def test_same_person_and_methodology_with_overlapping_period_is_refused(
    service: IngestionService, same_batch: bool
) -> None:
    claims = [
        metro("M-OCT"),
        metro("M-MID", period_start="2024-10-15", period_end="2024-10-15", activity_quantity="20"),
        metro("M-OTHER-PERSON", person_pseudonym=PERSON_B),
        metro("B-OCT", partner_methodology="GD-BUS"),
    ]

    october, mid, other_person, bus = submit_each(service, claims, same_batch=same_batch)

    assert october.decision is Decision.ACCEPTED
    assert mid.decision is Decision.REJECTED
    assert error_codes(mid) == {"PERSON_PERIOD_OVERLAP"}
    overlap = check(mid, "PERSON_PERIOD_OVERLAP")
    assert overlap.details["other_record_id"] == "M-OCT"
    assert overlap.details["other_partner"] == PARTNER
    # The pseudonym is not echoed back in the answer.
    assert all(PERSON_A not in value for value in overlap.details.values())
    assert PERSON_A not in overlap.message_en and PERSON_A not in overlap.message_zh
    assert other_person.decision is Decision.ACCEPTED
    assert bus.decision is Decision.ACCEPTED


@pytest.mark.parametrize("same_batch", [False, True], ids=["across-batches", "one-batch"])
def test_overlapping_origin_serial_blocks_are_refused(
    service: IngestionService, same_batch: bool
) -> None:
    issued = OriginStatus.ISSUED
    claims = [
        metro("O1", origin_status=issued, origin_serial="GDPH-P-2024-1001-1050"),
        metro(
            "O2",
            person_pseudonym=PERSON_B,
            origin_status=issued,
            origin_serial="GDPH-P-2024-1040-1090",
        ),
        metro(
            "O3",
            person_pseudonym=PERSON_C,
            origin_status=issued,
            origin_serial="GDPH-P-2024-1051-1100",
        ),
    ]

    first, overlapping, following = submit_each(service, claims, same_batch=same_batch)

    assert first.decision is Decision.ACCEPTED
    assert "AWAITING_SOURCE_CANCELLATION" in codes(first)
    assert overlapping.decision is Decision.REJECTED
    assert error_codes(overlapping) == {"ORIGIN_SERIAL_OVERLAP"}
    assert check(overlapping, "ORIGIN_SERIAL_OVERLAP").details["other_record_id"] == "O1"
    assert following.decision is Decision.ACCEPTED


def test_a_held_claim_keeps_its_locks(service: IngestionService) -> None:
    # 50 origin units for a reported 3 tCO2e: held for a reviewer, still counted.
    held = metro(
        "H1",
        origin_status=OriginStatus.ISSUED,
        origin_serial="GDPH-P-2024-1001-1050",
        reported_tco2e="3",
    )
    (held_verdict,) = service.submit(PARTNER, [held])
    assert held_verdict.decision is Decision.HELD

    (later,) = service.submit(PARTNER, [metro("M2", activity_quantity="120")])

    assert later.decision is Decision.REJECTED
    assert check(later, "PERSON_PERIOD_OVERLAP").details["other_record_id"] == "H1"


@pytest.mark.parametrize("same_batch", [False, True], ids=["across-batches", "one-batch"])
def test_a_rejected_claim_takes_no_locks(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory, same_batch: bool
) -> None:
    wrong = metro("M-WRONG", region_code="310000")  # normalisable, but outside Guangdong
    corrected = metro("M-FIXED")

    rejected, accepted = submit_each(service, [wrong, corrected], same_batch=same_batch)

    assert rejected.decision is Decision.REJECTED
    assert error_codes(rejected) == {"SITE_OUTSIDE_PARTNER_REGION"}
    assert accepted.decision is Decision.ACCEPTED, codes(accepted)
    holders = {claim_id for _, claim_id in uow_factory.store.all_locks()}
    assert holders == {accepted.claim_id}


# --- Malformed requests ------------------------------------------------------------


def test_a_claim_naming_another_partner_refuses_the_whole_envelope(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    claims = [metro("M1"), metro("HK-1", partner="CN-HK")]

    with pytest.raises(InvalidRequest) as raised:
        service.submit(PARTNER, claims)

    assert raised.value.code == "ENVELOPE_PARTNER_MISMATCH"
    assert raised.value.details["record_id"] == "HK-1"
    assert raised.value.details["claim_partner"] == "CN-HK"
    assert uow_factory.store.claims == {}
    assert verdict_of(service, "M1") is None


# --- Concurrent writers ------------------------------------------------------------


class _ClaimsWithHook:
    """A claim repository that runs ``before_add`` just before each ``add``."""

    def __init__(self, inner: ClaimRepository, before_add: Callable[[], None]) -> None:
        self._inner = inner
        self._before_add = before_add

    def get_by_record_ids(
        self, partner: str, record_ids: Collection[str]
    ) -> dict[str, StoredClaim]:
        return self._inner.get_by_record_ids(partner, record_ids)

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None:
        return self._inner.get_by_claim_id(claim_id)

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        return self._inner.find_lock_conflicts(locks)

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        return self._inner.site_bindings(partner, site_ids)

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        self._before_add()
        self._inner.add(records)

    def add_refused(self, refused: Sequence[RefusedResubmission]) -> None:
        self._inner.add_refused(refused)

    def count_by_decision(self, partner: str) -> dict[str, int]:
        return self._inner.count_by_decision(partner)

    def __getattr__(self, name: str) -> object:
        # The ledger's other queries (status, issuance) pass straight through.
        return getattr(self._inner, name)


class _HookedFactory:
    """Units of work of ``inner`` whose claim writes first run ``before_add``."""

    def __init__(self, inner: FakeUnitOfWorkFactory, before_add: Callable[[], None]) -> None:
        self.inner = inner
        self._before_add = before_add
        self.opened = 0

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        uow = self.inner()
        # The wrapper passes every other query through __getattr__, which the
        # protocol check cannot see.
        uow.claims = _ClaimsWithHook(uow.claims, self._before_add)  # type: ignore[assignment]
        return uow


def _rival_commits_once(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard, claim: ClaimSubmission
) -> Callable[[], None]:
    """Another hub process (its own units of work) that commits ``claim`` once."""
    rival = IngestionService(uow_factory, standard, fixed_clock)
    done: list[Verdict] = []

    def race() -> None:
        if not done:
            done.extend(rival.submit(PARTNER, [claim]))

    return race


def test_a_conflicting_commit_between_read_and_write_makes_the_batch_decided_again(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    rival_claim = metro(
        "RIVAL", period_start="2024-10-10", period_end="2024-10-20", activity_quantity="90"
    )
    hooked = _HookedFactory(uow_factory, _rival_commits_once(uow_factory, standard, rival_claim))
    service = IngestionService(hooked, standard, fixed_clock)

    (ours,) = service.submit(PARTNER, [metro("OURS")])

    assert hooked.opened == 2  # the first attempt lost the race, the second recorded
    assert ours.decision is Decision.REJECTED
    assert error_codes(ours) == {"PERSON_PERIOD_OVERLAP"}
    assert check(ours, "PERSON_PERIOD_OVERLAP").details["other_record_id"] == "RIVAL"
    rival_status = verdict_of(service, "RIVAL")
    assert rival_status is not None and rival_status.decision is Decision.ACCEPTED
    assert verdict_of(service, "OURS") == ours
    holders = {claim_id for _, claim_id in uow_factory.store.all_locks()}
    assert holders == {rival_status.claim_id}


def test_a_concurrent_commit_of_the_same_record_turns_ours_into_a_resubmission(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    claim = metro("M1")
    hooked = _HookedFactory(uow_factory, _rival_commits_once(uow_factory, standard, claim))
    service = IngestionService(hooked, standard, fixed_clock)

    (ours,) = service.submit(PARTNER, [claim])

    stored = verdict_of(service, "M1")
    assert stored is not None and stored.decision is Decision.ACCEPTED
    assert ours.resubmission is True
    assert ours.claim_id == stored.claim_id
    assert len(uow_factory.store.claims) == 1


def test_persistent_write_conflicts_end_in_write_contended(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    def always_lose() -> None:
        raise ConcurrentWriteConflict("another process committed first")

    hooked = _HookedFactory(uow_factory, always_lose)
    service = IngestionService(hooked, standard, fixed_clock, write_retries=3)

    with pytest.raises(StorageUnavailable) as raised:
        service.submit(PARTNER, [metro("M1")])

    assert raised.value.code == "WRITE_CONTENDED"
    assert hooked.opened == 3
    assert uow_factory.store.claims == {}
    assert uow_factory.store.all_locks() == []


def test_lock_kinds_taken_by_an_accepted_personal_claim(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    (verdict,) = service.submit(
        PARTNER,
        [metro("O1", origin_status=OriginStatus.ISSUED, origin_serial="GDPH-P-2024-1001-1050")],
    )

    kinds = {
        lock.kind for lock, holder in uow_factory.store.all_locks() if holder == verdict.claim_id
    }
    assert kinds == {LockKind.CONTENT, LockKind.PERSON_PERIOD, LockKind.ORIGIN_SERIAL}


def test_every_new_claim_is_an_audit_event_with_its_decision_and_a_resubmission_is_none(
    service: IngestionService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    verdicts = service.submit(
        PARTNER, [metro("M-1"), metro("M-2", activity_quantity="-5", person_pseudonym=PERSON_B)]
    )
    service.submit(PARTNER, [metro("M-1")])
    claim_events = [e for e in uow_factory.store.events if e.subject_kind == "claim"]
    assert [(e.subject_id, e.event, e.actor) for e in claim_events] == [
        (v.claim_id, str(v.decision), PARTNER) for v in verdicts
    ]
    assert {str(v.decision) for v in verdicts} == {"ACCEPTED", "REJECTED"}
    assert [e.details["record_id"] for e in claim_events] == ["M-1", "M-2"]
