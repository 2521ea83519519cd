"""The ledger's storage contract for claims after their decision, and supervision.

Run on the in-memory fake, SQLite and PostgreSQL alike (the ``uow_factory``
fixture); the repository docstrings of hub.services.unit_of_work are the spec.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.issuance import AccountKey, IssuanceState
from hub.domain.locks import LockKind, OriginBlock
from hub.services.claim_port import NewClaimRecord, VerdictChange
from hub.services.project_port import ProjectSupervision
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory
from tests.integration.storage.ledger_records import (
    AT,
    RECEIVED,
    changed,
    claim,
    in_one,
    later,
    one_wins,
    race,
)
from tests.integration.storage.records import PERIOD_HI, PERIOD_LO, lock

ORIGIN_SERIES = "GDPH-4401-PV-2023-0007-2024"


def _store(factory: UnitOfWorkFactory, *records: NewClaimRecord) -> None:
    in_one(factory, lambda uow: uow.claims.add(list(records)))


def _id(record: NewClaimRecord) -> str:
    return record.verdict.claim_id


# --- ledger_view --------------------------------------------------------------


def test_ledger_view_reads_back_what_was_recorded(uow_factory: UnitOfWorkFactory) -> None:
    accepted = claim(
        "R-1",
        locks=[
            lock("CN-GD|project|GD-PV-0007", 0, 99),
            lock(ORIGIN_SERIES, 101, 107, LockKind.ORIGIN_SERIAL),
        ],
        issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION,
    )
    held = claim(
        "R-2",
        project_id="GD-PV-0009",
        decision=Decision.HELD,
        issuance=IssuanceState.PENDING,
        hold_reason="PROJECT_SIZE_EXCEEDS_LIMIT",
        received_at=RECEIVED + timedelta(minutes=5),
    )
    rejected = claim("R-3", project_id=None, decision=Decision.REJECTED, issuance=None)
    _store(uow_factory, accepted, held, rejected)
    with uow_factory() as uow:
        view = uow.claims.ledger_view(_id(accepted))
        assert view is not None
        assert (view.claim_id, view.partner, view.record_id) == (_id(accepted), "CN-GD", "R-1")
        assert view.decision is Decision.ACCEPTED
        assert view.issuance is IssuanceState.AWAITING_SOURCE_CANCELLATION
        assert view.hold_reason is None
        assert view.project_id == "GD-PV-0007"
        assert view.origin_block == OriginBlock(ORIGIN_SERIES, 101, 107)
        assert view.received_at == RECEIVED
        assert view.verdict == accepted.verdict

        held_view = uow.claims.ledger_view(_id(held))
        assert held_view is not None
        assert held_view.decision is Decision.HELD
        assert held_view.issuance is IssuanceState.PENDING
        assert held_view.hold_reason == "PROJECT_SIZE_EXCEEDS_LIMIT"
        assert held_view.project_id == "GD-PV-0009"
        assert held_view.origin_block is None
        assert held_view.received_at == RECEIVED + timedelta(minutes=5)

        rejected_view = uow.claims.ledger_view(_id(rejected))
        assert rejected_view is not None
        assert rejected_view.decision is Decision.REJECTED
        assert rejected_view.issuance is None
        assert rejected_view.project_id is None

        assert uow.claims.ledger_view("no-such-claim") is None


# --- issuable -----------------------------------------------------------------


def test_issuable_lists_accepted_pending_claims_oldest_first_then_by_claim_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    newer_b = claim("R-1", claim_id="c-b", received_at=RECEIVED + timedelta(seconds=10))
    oldest = claim("R-2", claim_id="c-z", received_at=RECEIVED)
    newer_a = claim("R-3", claim_id="c-a", received_at=RECEIVED + timedelta(seconds=10))
    excluded = [
        claim("R-4", claim_id="c-0", decision=Decision.HELD, issuance=IssuanceState.PENDING),
        claim("R-5", claim_id="c-1", issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION),
        claim("R-6", claim_id="c-2", decision=Decision.REJECTED, issuance=None),
        claim("R-7", claim_id="c-3", issuance=IssuanceState.ISSUED),
    ]
    _store(uow_factory, newer_b, oldest, newer_a, *excluded)
    with uow_factory() as uow:
        issuable = uow.claims.issuable(limit=100)
        assert [c.claim_id for c in issuable] == ["c-z", "c-a", "c-b"]
        assert [c.claim_id for c in uow.claims.issuable(limit=2)] == ["c-z", "c-a"]
    first = issuable[0]
    assert (first.partner, first.record_id) == ("CN-GD", "R-2")
    assert first.account == AccountKey("CN-GD", "SZ-PV", 2024, "project:GD-PV-0007", None)
    assert first.credited_tco2e == Decimal("6.707500")
    assert first.credited_tco2e.as_tuple() == Decimal("6.707500").as_tuple()
    assert first.received_at == RECEIVED
    assert issuable[2].received_at == RECEIVED + timedelta(seconds=10)


def test_issuable_accounts_come_from_the_stripped_submission_fields(
    uow_factory: UnitOfWorkFactory,
) -> None:
    person = claim(
        "R-1",
        claim_id="c-1",
        project_id="",
        site_id="S-7",
        person_pseudonym=" PSN-00af ",
        adjustment_ref=" ITMO-2024-001 ",
        credited=Decimal("0.25"),
    )
    site = claim("R-2", claim_id="c-2", project_id="  ", site_id=" S-8 ", adjustment_ref="")
    hk = claim("R-1", claim_id="c-3", partner="CN-HK", project_id="HK-0001")
    _store(uow_factory, person, site, hk)
    with uow_factory() as uow:
        accounts = {c.claim_id: c.account for c in uow.claims.issuable(limit=10)}
    assert accounts == {
        "c-1": AccountKey("CN-GD", "SZ-PV", 2024, "person:PSN-00af", "ITMO-2024-001"),
        "c-2": AccountKey("CN-GD", "SZ-PV", 2024, "site:S-8", None),
        "c-3": AccountKey("CN-HK", "SZ-PV", 2024, "project:HK-0001", None),
    }


def test_issuable_gives_the_submissions_time_zone_stripped_and_the_period(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # The issuer splits a period spanning a local 31 December by this zone
    # ("" for the agreement's), read from the body without the whole submission.
    given = claim("R-1", claim_id="c-1")
    spaced = claim("R-2", claim_id="c-2")
    spaced = dataclasses.replace(
        spaced, submission=dataclasses.replace(spaced.submission, time_zone=" Asia/Hong_Kong ")
    )
    empty = claim("R-3", claim_id="c-3")
    empty = dataclasses.replace(
        empty, submission=dataclasses.replace(empty.submission, time_zone="")
    )
    _store(uow_factory, given, spaced, empty)
    with uow_factory() as uow:
        found = {c.claim_id: c for c in uow.claims.issuable(limit=10)}
    assert {k: c.time_zone for k, c in found.items()} == {
        "c-1": "Asia/Shanghai",
        "c-2": "Asia/Hong_Kong",
        "c-3": "",
    }
    normalised = given.normalised
    assert normalised is not None
    assert (found["c-1"].period_start, found["c-1"].period_end) == (
        normalised.period_start,
        normalised.period_end,
    )


# --- set_issuance ---------------------------------------------------------------


def test_set_issuance_moves_claims_only_from_the_expected_state(
    uow_factory: UnitOfWorkFactory,
) -> None:
    a, b, c = claim("R-1"), claim("R-2"), claim("R-3")
    held = claim("R-4", decision=Decision.HELD, issuance=IssuanceState.PENDING)
    _store(uow_factory, a, b, c, held)
    pending, awaiting = IssuanceState.PENDING, IssuanceState.AWAITING_SOURCE_CANCELLATION
    in_one(uow_factory, lambda uow: uow.claims.set_issuance([_id(a), _id(b)], pending, awaiting))

    def issuance_of(uow: UnitOfWork, record: NewClaimRecord) -> IssuanceState | None:
        view = uow.claims.ledger_view(_id(record))
        assert view is not None
        return view.issuance

    with uow_factory() as uow:
        assert issuance_of(uow, a) is awaiting and issuance_of(uow, b) is awaiting
        assert issuance_of(uow, c) is pending
        # One claim not in the expected state refuses the whole call.
        with pytest.raises(ConcurrentWriteConflict):
            uow.claims.set_issuance([_id(c), _id(a)], awaiting, pending)
    with uow_factory() as uow:
        assert issuance_of(uow, c) is pending and issuance_of(uow, a) is awaiting
        with pytest.raises(ConcurrentWriteConflict):
            uow.claims.set_issuance(["no-such-claim"], awaiting, pending)
    # A held claim moves too: it keeps its issuance state for when it is accepted.
    in_one(uow_factory, lambda uow: uow.claims.set_issuance([_id(held)], pending, awaiting))
    # Released after its cancellation at source, a claim is issuable again.
    in_one(uow_factory, lambda uow: uow.claims.set_issuance([_id(a)], awaiting, pending))
    with uow_factory() as uow:
        assert issuance_of(uow, held) is awaiting
        assert issuance_of(uow, a) is pending
        assert sorted(i.claim_id for i in uow.claims.issuable(10)) == sorted([_id(a), _id(c)])


def test_set_issuance_refuses_to_issue(uow_factory: UnitOfWorkFactory) -> None:
    # Issuing is the issuer's, with its records (IssuanceRepository.record).
    a = claim("R-1")
    _store(uow_factory, a)
    with uow_factory() as uow, pytest.raises(ValueError, match="issuance records"):
        uow.claims.set_issuance([_id(a)], IssuanceState.PENDING, IssuanceState.ISSUED)
    with uow_factory() as uow:
        assert [i.claim_id for i in uow.claims.issuable(10)] == [_id(a)]


def test_two_units_of_work_releasing_one_claim_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    awaiting = IssuanceState.AWAITING_SOURCE_CANCELLATION
    a = claim("R-1", issuance=awaiting)
    _store(uow_factory, a)

    def release(uow: UnitOfWork) -> None:
        uow.claims.set_issuance([_id(a)], awaiting, IssuanceState.PENDING)

    one_wins(race(uow_factory, release, release))
    with uow_factory() as uow:
        view = uow.claims.ledger_view(_id(a))
        assert view is not None and view.issuance is IssuanceState.PENDING


# --- overdue_awaiting -----------------------------------------------------------


def test_overdue_awaiting(uow_factory: UnitOfWorkFactory) -> None:
    awaiting = IssuanceState.AWAITING_SOURCE_CANCELLATION
    cutoff = RECEIVED + timedelta(hours=1)
    overdue = claim("R-1", issuance=awaiting, received_at=RECEIVED)
    overdue_held = claim(
        "R-2", decision=Decision.HELD, issuance=awaiting, received_at=RECEIVED - timedelta(days=3)
    )
    at_cutoff = claim("R-3", issuance=awaiting, received_at=cutoff)
    recent = claim("R-4", issuance=awaiting, received_at=cutoff + timedelta(seconds=1))
    pending = claim("R-5", received_at=RECEIVED - timedelta(days=9))
    hk = claim("R-6", partner="CN-HK", issuance=awaiting, received_at=RECEIVED)
    voided = claim("R-7", issuance=awaiting, received_at=RECEIVED - timedelta(days=2))
    _store(uow_factory, overdue, overdue_held, at_cutoff, recent, pending, hk, voided)
    in_one(
        uow_factory,
        lambda uow: uow.claims.set_issuance([_id(voided)], awaiting, IssuanceState.VOIDED),
    )
    with uow_factory() as uow:
        found = uow.claims.overdue_awaiting({"CN-GD": cutoff}, limit=100)
        assert sorted(found) == sorted([_id(overdue), _id(overdue_held)])
        assert len(found) == 2
        both = uow.claims.overdue_awaiting({"CN-GD": cutoff, "CN-HK": cutoff}, limit=100)
        assert sorted(both) == sorted([_id(overdue), _id(overdue_held), _id(hk)])
        limited = uow.claims.overdue_awaiting({"CN-GD": cutoff, "CN-HK": cutoff}, limit=2)
        assert len(limited) == 2 and set(limited) <= set(both)
        assert uow.claims.overdue_awaiting({"CN-MO": cutoff}, limit=100) == []
        assert uow.claims.overdue_awaiting({}, limit=100) == []


# --- of_project -----------------------------------------------------------------


def test_of_project_filters_partner_project_and_decision(uow_factory: UnitOfWorkFactory) -> None:
    accepted = claim("R-1")
    held = claim("R-2", decision=Decision.HELD, issuance=IssuanceState.PENDING, hold_reason="X")
    rejected = claim("R-3", decision=Decision.REJECTED, issuance=None)
    other_project = claim("R-4", project_id="GD-PV-0008")
    other_partner = claim("R-5", partner="CN-HK")
    _store(uow_factory, accepted, held, rejected, other_project, other_partner)
    with uow_factory() as uow:
        views = uow.claims.of_project("CN-GD", "GD-PV-0007", {Decision.ACCEPTED, Decision.HELD})
        assert sorted(v.claim_id for v in views) == sorted([_id(accepted), _id(held)])
        for view in views:
            assert view == uow.claims.ledger_view(view.claim_id)
        only_rejected = uow.claims.of_project("CN-GD", "GD-PV-0007", [Decision.REJECTED])
        assert [v.claim_id for v in only_rejected] == [_id(rejected)]
        assert [
            v.claim_id for v in uow.claims.of_project("CN-HK", "GD-PV-0007", list(Decision))
        ] == [_id(other_partner)]
        assert uow.claims.of_project("CN-GD", "GD-PV-0007", []) == []
        assert uow.claims.of_project("CN-GD", "GD-PV-9999", list(Decision)) == []


# --- change_verdicts ------------------------------------------------------------


def _suspend(record: NewClaimRecord, **changes: object) -> VerdictChange:
    change = VerdictChange(
        claim_id=_id(record),
        expected_decision=Decision.ACCEPTED,
        expected_issuance=IssuanceState.PENDING,
        verdict=changed(record.verdict, Decision.HELD),
        issuance=IssuanceState.PENDING,
        hold_reason="PROJECT_SUSPENDED_BY_BUREAU",
    )
    return dataclasses.replace(change, **changes)  # type: ignore[arg-type]


def test_change_verdicts_applies_only_from_the_expected_decision_and_issuance(
    uow_factory: UnitOfWorkFactory,
) -> None:
    a = claim("R-1", locks=[lock("CN-GD|project|GD-PV-0007", 0, 99)])
    b = claim("R-2")
    _store(uow_factory, a, b)
    in_one(uow_factory, lambda uow: uow.claims.change_verdicts([_suspend(a)]))
    with uow_factory() as uow:
        stored = uow.claims.get_by_claim_id(_id(a))
        assert stored is not None
        assert stored.verdict == changed(a.verdict, Decision.HELD)
        assert uow.claims.get_by_record_ids("CN-GD", ["R-1"])["R-1"].verdict.decision is (
            Decision.HELD
        )
        view = uow.claims.ledger_view(_id(a))
        assert view is not None
        assert (view.decision, view.issuance, view.hold_reason) == (
            Decision.HELD,
            IssuanceState.PENDING,
            "PROJECT_SUSPENDED_BY_BUREAU",
        )
        assert uow.claims.count_by_decision("CN-GD") == {"ACCEPTED": 1, "REJECTED": 0, "HELD": 1}
        # Without release_locks the lock stays held.
        conflicts = uow.claims.find_lock_conflicts([lock("CN-GD|project|GD-PV-0007", 50, 50)])
        assert [c.held_by_claim_id for c in conflicts] == [_id(a)]
    # a is HELD now: a change expecting ACCEPTED is stale, and takes b's down with it.
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.change_verdicts([_suspend(b), _suspend(a)])
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.change_verdicts(
            [_suspend(b, expected_issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION)]
        )
    with uow_factory() as uow:
        view_b = uow.claims.ledger_view(_id(b))
        assert view_b is not None and view_b.decision is Decision.ACCEPTED
        assert view_b.hold_reason is None
    resume = _suspend(
        a,
        expected_decision=Decision.HELD,
        verdict=changed(a.verdict, Decision.ACCEPTED, "FACTOR_PROVISIONAL"),
        hold_reason=None,
    )
    in_one(uow_factory, lambda uow: uow.claims.change_verdicts([resume]))
    with uow_factory() as uow:
        view = uow.claims.ledger_view(_id(a))
        assert view is not None
        assert (view.decision, view.hold_reason) == (Decision.ACCEPTED, None)
        assert view.verdict.checks == resume.verdict.checks
        assert [c.claim_id for c in uow.claims.issuable(10)] == sorted([_id(a), _id(b)])


def test_release_locks_frees_the_claims_locks_and_site_binding(
    uow_factory: UnitOfWorkFactory,
) -> None:
    awaiting = IssuanceState.AWAITING_SOURCE_CANCELLATION
    # Where locks_for takes them: the claim's project over its period.
    period = lock("CN-GD|project|GD-PV-0007", PERIOD_LO, PERIOD_HI)
    origin = lock(ORIGIN_SERIES, 1, 7, LockKind.ORIGIN_SERIAL)
    keeper = lock("CN-GD|project|GD-PV-0008", PERIOD_LO, PERIOD_HI)
    voided = claim(
        "R-1", locks=[period, origin], issuance=awaiting, site_id="S-1", site_binding="SZ-PV"
    )
    kept = claim("R-2", project_id="GD-PV-0008", locks=[keeper])
    _store(uow_factory, voided, kept)
    void = VerdictChange(
        claim_id=_id(voided),
        expected_decision=Decision.ACCEPTED,
        expected_issuance=awaiting,
        verdict=changed(voided.verdict, Decision.REJECTED, "SOURCE_CANCELLATION_OVERDUE"),
        issuance=IssuanceState.VOIDED,
        hold_reason=None,
        release_locks=True,
    )
    in_one(uow_factory, lambda uow: uow.claims.change_verdicts([void]))
    with uow_factory() as uow:
        assert uow.claims.find_lock_conflicts([period, origin]) == []
        assert uow.claims.site_bindings("CN-GD", ["S-1"]) == {}
        assert [c.held_by_claim_id for c in uow.claims.find_lock_conflicts([keeper])] == [_id(kept)]
        view = uow.claims.ledger_view(_id(voided))
        assert view is not None
        assert (view.decision, view.issuance) == (Decision.REJECTED, IssuanceState.VOIDED)
        # The docstring derives origin_block from the ORIGIN_SERIAL lock the claim
        # holds; a voided claim released it, so it holds none.
        assert view.origin_block is None
    # The freed slots no longer conflict: a new claim takes them and binds the
    # site to another methodology.
    again = claim("R-3", locks=[period, origin], site_id="S-1", site_binding="SZ-EV-CHARGING")
    _store(uow_factory, again)
    with uow_factory() as uow:
        holders = {c.held_by_claim_id for c in uow.claims.find_lock_conflicts([period, origin])}
        assert holders == {_id(again)}
        assert uow.claims.site_bindings("CN-GD", ["S-1"]) == {"S-1": "SZ-EV-CHARGING"}


def test_two_units_of_work_changing_one_verdict_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    a = claim("R-1")
    _store(uow_factory, a)
    hold = _suspend(a)
    reject = _suspend(
        a,
        verdict=changed(a.verdict, Decision.REJECTED, "PROJECT_NOT_ACTIVE"),
        issuance=None,
        hold_reason=None,
    )
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.claims.change_verdicts([hold]),
            lambda uow: uow.claims.change_verdicts([reject]),
        )
    )
    with uow_factory() as uow:
        stored = uow.claims.get_by_claim_id(_id(a))
    assert stored is not None
    assert stored.verdict == (hold, reject)[winner].verdict


# --- holdings -------------------------------------------------------------------


def test_holdings_list_every_claim_of_the_partner_by_record_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    accepted = claim("R-2")
    rejected_base = claim("R-1", decision=Decision.REJECTED, issuance=None)
    rejected = dataclasses.replace(
        rejected_base,
        normalised=None,
        verdict=dataclasses.replace(
            rejected_base.verdict,
            methodology=None,
            vintage=None,
            reported_tco2e=None,
            recomputed_tco2e=None,
            credited_tco2e=None,
            trace=None,
        ),
    )
    held = claim("R-3", decision=Decision.HELD, issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION)
    hk = claim("R-0", partner="CN-HK")
    _store(uow_factory, held, accepted, rejected, hk)
    in_one(uow_factory, lambda uow: uow.claims.change_verdicts([_suspend(accepted)]))
    with uow_factory() as uow:
        holdings = uow.claims.holdings("CN-GD")
        assert uow.claims.holdings("CN-MO") == []
    assert [h.record_id for h in holdings] == ["R-1", "R-2", "R-3"]
    by_record = {h.record_id: h for h in holdings}
    assert by_record["R-1"].claim_id == _id(rejected)
    assert by_record["R-1"].submission == rejected.submission
    assert (by_record["R-1"].decision, by_record["R-1"].issuance) == (Decision.REJECTED, None)
    assert by_record["R-1"].vintage is None
    assert by_record["R-2"].submission == accepted.submission
    assert (by_record["R-2"].decision, by_record["R-2"].issuance) == (
        Decision.HELD,
        IssuanceState.PENDING,
    )
    assert by_record["R-2"].vintage == 2024
    assert (by_record["R-3"].decision, by_record["R-3"].issuance) == (
        Decision.HELD,
        IssuanceState.AWAITING_SOURCE_CANCELLATION,
    )


# --- supervision ----------------------------------------------------------------


def _supervision(project_id: str = "GD-PV-0007", **changes: object) -> ProjectSupervision:
    supervision = ProjectSupervision(
        partner="CN-GD",
        project_id=project_id,
        suspended=True,
        reason="现场核查未通过 / site inspection failed",
        actor="bureau:li.wei",
        at=AT,
    )
    return dataclasses.replace(supervision, **changes)  # type: ignore[arg-type]


def test_supervision_saves_conditionally_and_reads_back(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.supervision.get_many("CN-GD", ["GD-PV-0007"]) == {}
        # No row: the stored "suspended" is False.
        with pytest.raises(ConcurrentWriteConflict):
            uow.supervision.save(_supervision(), expected_suspended=True)
    suspended = _supervision()
    in_one(uow_factory, lambda uow: uow.supervision.save(suspended, expected_suspended=False))
    with uow_factory() as uow:
        assert uow.supervision.get_many("CN-GD", ["GD-PV-0007", "GD-PV-0008"]) == {
            "GD-PV-0007": suspended
        }
        assert uow.supervision.get_many("CN-HK", ["GD-PV-0007"]) == {}
        with pytest.raises(ConcurrentWriteConflict):
            uow.supervision.save(_supervision(reason="again"), expected_suspended=False)
    resumed = _supervision(suspended=False, reason="整改完成", at=later(60))
    in_one(uow_factory, lambda uow: uow.supervision.save(resumed, expected_suspended=True))
    with uow_factory() as uow:
        assert uow.supervision.get_many("CN-GD", ["GD-PV-0007"]) == {"GD-PV-0007": resumed}


def test_two_units_of_work_suspending_one_project_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first, second = _supervision(reason="first"), _supervision(reason="second")
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.supervision.save(first, expected_suspended=False),
            lambda uow: uow.supervision.save(second, expected_suspended=False),
        )
    )
    with uow_factory() as uow:
        assert uow.supervision.get_many("CN-GD", ["GD-PV-0007"]) == {
            "GD-PV-0007": (first, second)[winner]
        }
