"""Deciding one delivery of new claims (hub.domain.batch_decision): locks shared
within the batch or with the ledger, a site under two programmes, a person's
day across the batch, the bureau's suspension, and record ids sent again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision, OriginStatus
from hub.domain.batch_decision import (
    BatchDecision,
    Candidate,
    LedgerHolds,
    LockHolder,
    Wanted,
    answer_repeat,
    decide_batch,
    locking_methodology,
    wanted_by,
    with_suspension,
)
from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import ClaimAssessment
from hub.domain.claims import NormalisedClaim, Trace, Verdict
from hub.domain.locks import ClaimLock, LockKind, LockRules, OriginBlock
from hub.domain.mobility import Travel
from hub.domain.suspension import SUSPENDED_CHECK
from tests.unit.domain.domain_builders import GD_PROJECT_ID, PERSON, gd_pv_claim, hk_green_claim

SZ = ZoneInfo("Asia/Shanghai")
HK = ZoneInfo("Asia/Hong_Kong")
SITE = LockRules(site_basis=True)
MOBILITY = LockRules(mobility=True)
RECYCLING = LockRules(site_basis=True, shared_site=True)
PLAIN = LockRules()


def normalised(
    methodology: str, start: datetime, end: datetime, activity: str, credited: str = "1"
) -> NormalisedClaim:
    return NormalisedClaim(
        methodology=methodology,
        period_start=start,
        period_end=end,
        vintage=end.year,
        activity_value=Decimal(activity),
        activity_unit="kWh",
        reported_tco2e=None,
        recomputed_tco2e=Decimal(credited),
        credited_tco2e=Decimal(credited),
        trace=Trace("test", methodology, f"{methodology}-f", "activity * factor", {}, ()),
    )


def candidate(
    sub: ClaimSubmission,
    claim: NormalisedClaim | None,
    rules: LockRules = PLAIN,
    *,
    checks: Sequence[CheckResult] = (),
    site_binding: str | None = None,
    origin_block: OriginBlock | None = None,
) -> Candidate:
    assessment = ClaimAssessment(claim, tuple(checks), origin_block, site_binding)
    methodology = locking_methodology(assessment)
    return Candidate(sub, assessment, rules if methodology is not None else None)


def june_pv(record_id: str, first: int, last: int) -> Candidate:
    """A Guangdong rooftop PV claim of the project, days ``first``..``last`` of June 2025."""
    start = datetime(2025, 6, first, tzinfo=SZ)
    end = datetime(2025, 6, last, tzinfo=SZ) + timedelta(days=1)
    sub = gd_pv_claim(
        record_id=record_id, period_start=f"2025-06-{first:02d}", period_end=f"2025-06-{last:02d}"
    )
    return candidate(sub, normalised("SZ-PV", start, end, "12000", "7.2"))


def ledger(
    held: Mapping[ClaimLock, LockHolder] | None = None,
    bindings: Mapping[str, str] | None = None,
    travel: Sequence[Travel] = (),
    limit: Decimal | None = Decimal(300),
) -> LedgerHolds:
    return LedgerHolds(dict(held or {}), dict(bindings or {}), travel, limit)


def decided(
    candidates: Sequence[Candidate], holds: LedgerHolds | None = None
) -> list[BatchDecision]:
    return decide_batch(candidates, [wanted_by(c) for c in candidates], holds or ledger())


def codes(decision: BatchDecision) -> list[str]:
    return [c.code for c in decision.checks]


def the(decision: BatchDecision, code: str) -> Mapping[str, str]:
    return next(c.details for c in decision.checks if c.code == code)


def test_two_claims_of_one_batch_sharing_a_project_period_the_first_wins() -> None:
    first, second = decided([june_pv("GD2025R0001", 1, 30), june_pv("GD2025R0002", 15, 30)])
    assert first.decision is Decision.ACCEPTED and first.checks == ()
    assert {lock.kind for lock in first.locks} == {LockKind.CONTENT, LockKind.PROJECT_PERIOD}
    assert second.decision is Decision.REJECTED
    assert codes(second) == ["PROJECT_PERIOD_OVERLAP"]
    assert the(second, "PROJECT_PERIOD_OVERLAP") == {
        "key": f"CN-GD|project|{GD_PROJECT_ID}",
        "other_record_id": "GD2025R0001",
        "other_partner": "CN-GD",
        "field": "period_start",
    }
    assert second.locks == () and second.site_binding is None and second.hold_reason is None


def test_a_claim_rejected_in_the_batch_takes_nothing_from_the_claims_after_it() -> None:
    batch = [
        june_pv("GD2025R0001", 1, 15),
        june_pv("GD2025R0002", 10, 20),  # overlaps the first: rejected
        june_pv("GD2025R0003", 16, 30),  # overlaps only the rejected one
    ]
    assert [d.decision for d in decided(batch)] == [
        Decision.ACCEPTED,
        Decision.REJECTED,
        Decision.ACCEPTED,
    ]


def test_claims_of_one_batch_for_separate_periods_both_stand() -> None:
    first, second = decided([june_pv("GD2025R0001", 1, 15), june_pv("GD2025R0002", 16, 30)])
    assert (first.decision, second.decision) == (Decision.ACCEPTED, Decision.ACCEPTED)


def test_a_lock_the_ledger_holds_is_named_before_the_batch() -> None:
    batch = [june_pv("GD2025R0001", 1, 30), june_pv("GD2025R0002", 15, 30)]
    period_lock = next(
        lock for lock in wanted_by(batch[1]).locks if lock.kind is LockKind.PROJECT_PERIOD
    )
    holds = ledger(held={period_lock: LockHolder("GD2025R0000", "CN-GD")})
    first, second = decided(batch, holds)
    assert first.decision is Decision.ACCEPTED  # its own lock does not collide
    assert the(second, "PROJECT_PERIOD_OVERLAP")["other_record_id"] == "GD2025R0000"


def hk_site(record_id: str, methodology: str, rules: LockRules, sub: ClaimSubmission) -> Candidate:
    start = datetime(2024, 9, 1, tzinfo=HK)
    return candidate(
        replace(sub, record_id=record_id, site_id="ST-0417"),
        normalised(methodology, start, start + timedelta(days=30), "3380", "1.2506"),
        rules,
        site_binding=methodology,
    )


def solar_fit(record_id: str = "FIT-2409-000205") -> Candidate:
    """Hong Kong's feed-in-tariff rooftop at site ST-0417: SZ-PV, basis site."""
    sub = hk_green_claim(
        partner_methodology="SOLAR_FIT",
        person_pseudonym=None,
        material=None,
        period_start="2024-09-01",
        period_end="2024-09-30",
    )
    return hk_site(record_id, "SZ-PV", SITE, sub)


def green_drop() -> Candidate:
    """A GREEN$ recycling drop at the same site ST-0417: SZ-RECYCLE."""
    start = datetime(2024, 10, 9, tzinfo=HK)
    sub = hk_green_claim(record_id="GRN-2410-000116", site_id="ST-0417")
    return candidate(
        sub,
        normalised("SZ-RECYCLE", start, start + timedelta(days=1), "2.7", "0.00243"),
        RECYCLING,
        site_binding="SZ-RECYCLE",
    )


def test_a_site_bound_earlier_in_the_batch_refuses_another_programme() -> None:
    fit, drop = decided([solar_fit(), green_drop()])
    assert fit.decision is Decision.ACCEPTED and fit.site_binding == "SZ-PV"
    assert drop.decision is Decision.REJECTED
    assert the(drop, "SITE_PROGRAMME_CONFLICT") == {
        "site_id": "ST-0417",
        "other_methodology": "SZ-PV",
        "field": "site_id",
    }


def test_a_site_the_ledger_bound_refuses_another_programme_and_allows_its_own() -> None:
    holds = ledger(bindings={"ST-0417": "SZ-PV"})
    (drop,) = decided([green_drop()], holds)
    assert codes(drop) == ["SITE_PROGRAMME_CONFLICT"]
    (fit,) = decided([solar_fit("FIT-2410-000301")], holds)
    assert fit.decision is Decision.ACCEPTED and fit.site_binding == "SZ-PV"


def renamed_drop(record_id: str) -> Candidate:
    """A drop at ST-0417 under HUB-INTERIM-RECYCLE, formerly SZ-RECYCLE."""
    drop = green_drop()
    assessment = replace(
        drop.assessment,
        site_binding="HUB-INTERIM-RECYCLE",
        site_binding_formerly=("SZ-RECYCLE",),
    )
    return replace(
        drop, submission=replace(drop.submission, record_id=record_id), assessment=assessment
    )


def test_a_site_bound_under_a_former_id_stays_bound_as_stored() -> None:
    # Bound by the ledger under the former id: the claim binds it as stored.
    (renamed,) = decided(
        [renamed_drop("GRN-2410-000117")], ledger(bindings={"ST-0417": "SZ-RECYCLE"})
    )
    assert renamed.decision is Decision.ACCEPTED and renamed.site_binding == "SZ-RECYCLE"
    # Bound earlier in the batch under the new id; another programme is still refused.
    drop, fit = decided([renamed_drop("GRN-2410-000118"), solar_fit()])
    assert drop.site_binding == "HUB-INTERIM-RECYCLE"
    assert the(fit, "SITE_PROGRAMME_CONFLICT")["other_methodology"] == "HUB-INTERIM-RECYCLE"


def test_a_claim_rejected_on_its_own_binds_no_site() -> None:
    bad = candidate(
        solar_fit().submission,
        solar_fit().assessment.normalised,
        SITE,
        checks=[fire("ADJUSTMENT_REF_MISSING", field="adjustment_ref")],
        site_binding="SZ-PV",
    )
    assert bad.rules is None and wanted_by(bad) == Wanted()
    rejected, drop = decided([bad, green_drop()])
    assert rejected.decision is Decision.REJECTED and rejected.locks == ()
    assert drop.decision is Decision.ACCEPTED


def test_a_suspended_projects_new_claim_is_held_with_its_locks() -> None:
    claim = june_pv("GD2025R0001", 1, 30)
    suspended = {GD_PROJECT_ID: "现场核查发现计量表被更换"}
    held = replace(
        claim,
        assessment=with_suspension(claim.assessment, GD_PROJECT_ID, suspended),
    )
    (decision,) = decided([held])
    assert decision.decision is Decision.HELD
    assert decision.hold_reason == SUSPENDED_CHECK
    assert the(decision, SUSPENDED_CHECK) == {
        "project_id": GD_PROJECT_ID,
        "reason": "现场核查发现计量表被更换",
        "field": "project_id",
    }
    # Held claims keep their locks: a reviewer may accept them later.
    assert decision.locks == wanted_by(held).locks != ()


def test_another_projects_claim_and_a_project_less_claim_are_not_held() -> None:
    claim = june_pv("GD2025R0001", 1, 30)
    assert with_suspension(claim.assessment, GD_PROJECT_ID, {"4401-PV-2023-0099": "x"}) is (
        claim.assessment
    )
    assert with_suspension(claim.assessment, None, {GD_PROJECT_ID: "x"}) is claim.assessment


def test_a_suspended_claim_that_collides_is_rejected_not_held() -> None:
    suspended = {GD_PROJECT_ID: "暂停"}
    batch = [june_pv("GD2025R0001", 1, 30), june_pv("GD2025R0002", 15, 30)]
    batch = [
        replace(c, assessment=with_suspension(c.assessment, GD_PROJECT_ID, suspended))
        for c in batch
    ]
    first, second = decided(batch)
    assert (first.decision, first.hold_reason) == (Decision.HELD, SUSPENDED_CHECK)
    # The first, though held, holds its lock against the second.
    assert (second.decision, second.hold_reason) == (Decision.REJECTED, None)
    assert codes(second) == [SUSPENDED_CHECK, "PROJECT_PERIOD_OVERLAP"]


def ride(record_id: str, hour: int, minutes: int, km: str) -> Candidate:
    start = datetime(2024, 10, 2, hour, tzinfo=SZ)
    sub = gd_pv_claim(
        record_id=record_id,
        partner_methodology="GD-METRO",
        project_id=None,
        person_pseudonym=PERSON,
        period_start=start.isoformat(),
        period_end=(start + timedelta(minutes=minutes)).isoformat(),
    )
    end = start + timedelta(minutes=minutes)
    return candidate(sub, normalised("SZ-TRANSIT-METRO", start, end, km), MOBILITY)


def test_a_trip_is_wanted_with_the_persons_travel_lock() -> None:
    wanted = wanted_by(ride("GD-M-1", 8, 30, "18"))
    assert wanted.trip is not None and wanted.trip.person == PERSON
    assert LockKind.PERSON_TRAVEL in {lock.kind for lock in wanted.locks}
    assert wanted_by(june_pv("GD2025R0001", 1, 30)).trip is None


def test_two_rides_of_one_person_at_one_time_in_one_batch() -> None:
    first, second = decided([ride("GD-M-1", 8, 30, "18"), ride("GD-M-2", 8, 45, "20")])
    assert first.decision is Decision.ACCEPTED
    # The trip overlap says more than the person-period one and is named alone.
    assert codes(second) == ["PERSON_TRIP_OVERLAP"]
    assert the(second, "PERSON_TRIP_OVERLAP")["key"] == ""  # the pseudonym is not echoed


def test_a_persons_day_counts_the_ledger_then_the_batch() -> None:
    earlier = Travel(
        PERSON, datetime(2024, 10, 2, tzinfo=SZ), datetime(2024, 10, 2, 6, tzinfo=SZ), Decimal(250)
    )
    first, second = decided(
        [ride("GD-M-1", 8, 30, "30"), ride("GD-M-2", 10, 30, "30")], ledger(travel=[earlier])
    )
    assert first.decision is Decision.ACCEPTED  # 280 of 300
    assert second.decision is Decision.HELD
    assert the(second, "PERSON_DAILY_MOBILITY_IMPLAUSIBLE")["counted"] == "280.0"
    assert second.hold_reason is None  # held for review, not by a suspension
    # Without a limit in the standard nothing is held.
    assert [d.decision for d in decided([ride("GD-M-2", 10, 30, "400")], ledger(limit=None))] == [
        Decision.ACCEPTED
    ]


def test_a_rejected_ride_does_not_count_towards_the_day() -> None:
    _, second, third = decided(
        [ride("GD-M-1", 8, 30, "200"), ride("GD-M-2", 8, 40, "90"), ride("GD-M-3", 12, 30, "90")]
    )
    assert second.decision is Decision.REJECTED  # overlaps the first: not counted
    assert third.decision is Decision.ACCEPTED  # 290 of 300


def original_verdict() -> Verdict:
    return Verdict(
        "CN-GD", "GD2025R0001", "c1", Decision.ACCEPTED, (), credited_tco2e=Decimal("7.2")
    )


def test_the_same_record_again_is_a_resubmission() -> None:
    sub = gd_pv_claim()
    answer = answer_repeat(
        "c1", sub.content_digest(), original_verdict(), sub, sub.content_digest()
    )
    assert answer == replace(original_verdict(), resubmission=True)


def test_a_record_changed_only_by_its_cancellation_at_source_is_a_resubmission() -> None:
    issued = gd_pv_claim(origin_status=OriginStatus.ISSUED)
    cancelled = replace(issued, origin_status=OriginStatus.CANCELLED)
    digest = cancelled.content_digest()
    answer = answer_repeat("c1", issued.content_digest(), original_verdict(), cancelled, digest)
    assert answer.resubmission and answer.decision is Decision.ACCEPTED
    # The reverse (cancelled, then issued again) is a change.
    back = answer_repeat("c1", digest, original_verdict(), issued, issued.content_digest())
    assert not back.resubmission


def test_a_record_sent_again_with_other_content_is_refused() -> None:
    sub = gd_pv_claim()
    changed = replace(sub, activity_quantity="12500")
    answer = answer_repeat(
        "c1", sub.content_digest(), original_verdict(), changed, changed.content_digest()
    )
    assert (answer.decision, answer.resubmission, answer.claim_id) == (
        Decision.REJECTED,
        False,
        "c1",
    )
    assert [c.code for c in answer.checks] == ["DUPLICATE_RECORD_CHANGED"]
    assert answer.checks[0].details == {
        "record_id": "GD2025R0001",
        "original_claim_id": "c1",
        "field": "record_id",
    }
