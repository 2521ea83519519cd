"""One person, one place at a time; a site always locks its site (hub.domain.locks)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import NormalisedClaim
from hub.domain.locks import (
    ClaimLock,
    LockKind,
    LockRules,
    is_trip,
    locks_for,
    reported_conflicts,
)
from hub.standard import Standard
from tests.unit.domain.domain_builders import NOW, PERSON, gd_bus_claim, hk_green_claim

MOBILITY = LockRules(mobility=True)
SITE = LockRules(site_basis=True)
SHARED = LockRules(site_basis=True, shared_site=True)


def trip(**changes: Any) -> ClaimSubmission:
    """A timed bus trip of PERSON, 08:05 to 08:40 local time."""
    return gd_bus_claim(
        **{
            "period_start": "2024-10-02 08:05:00",
            "period_end": "2024-10-02 08:40:00",
            "activity_quantity": "9.5",
            **changes,
        }
    )


def hk_fit(**changes: Any) -> ClaimSubmission:
    claim = ClaimSubmission(
        partner="CN-HK",
        delivery_id="HK-20241101-01",
        record_id="FIT-2409-000201",
        partner_methodology="SOLAR_FIT",
        period_start="2024-09-01",
        period_end="2024-09-30",
        time_zone="Asia/Hong_Kong",
        activity_quantity="1240",
        activity_unit="kWh",
        site_id="FIT-CLP-2019-04417",
        district="Sai Kung",
        utility="CLP",
        adjustment_ref="HKAA-2024-004115",
        verifier="HKQAA",
    )
    return replace(claim, **changes)


def normalised(standard: Standard, claim: ClaimSubmission) -> NormalisedClaim:
    assessment = assess_claim(claim, standard, None, NOW)
    assert assessment.normalised is not None, [c.code for c in assessment.checks]
    return assessment.normalised


def kinds(locks: list[ClaimLock]) -> dict[LockKind, ClaimLock]:
    found = {lock.kind: lock for lock in locks}
    assert len(found) == len(locks), "one lock per kind"
    return found


def test_a_timed_mobility_claim_locks_the_person_alone_over_its_seconds(
    standard: Standard,
) -> None:
    claim = trip()
    norm = normalised(standard, claim)
    assert is_trip(norm, MOBILITY)
    travel = kinds(locks_for(claim, norm, None, MOBILITY))[LockKind.PERSON_TRAVEL]
    # The key is the pseudonym alone: no methodology, no partner.
    assert travel.key == PERSON
    assert travel.hi - travel.lo + 1 == 35 * 60


def test_trips_of_three_modes_and_two_partners_take_colliding_travel_locks(
    standard: Standard,
) -> None:
    bus = trip()
    metro = trip(partner_methodology="GD-METRO", period_start="2024-10-02 08:20:00")
    bike = trip(
        partner_methodology="GD-BIKE", period_start="2024-10-02 08:39:00", activity_unit="km"
    )
    hk = ClaimSubmission(
        partner="CN-HK",
        delivery_id="HK-1",
        record_id="MTR-1",
        partner_methodology="MTR",
        period_start="2024-10-02 08:30",
        period_end="2024-10-02 08:50",
        time_zone="Asia/Hong_Kong",
        activity_quantity="12",
        activity_unit="km",
        person_pseudonym=PERSON,
        district="Sha Tin",
        adjustment_ref="HKAA-1",
    )
    travel = [
        kinds(locks_for(c, normalised(standard, c), None, MOBILITY))[LockKind.PERSON_TRAVEL]
        for c in (bus, metro, bike, hk)
    ]
    for other in travel[1:]:
        assert travel[0].overlaps(other)


def test_back_to_back_trips_do_not_collide(standard: Standard) -> None:
    first = trip()
    second = trip(period_start="2024-10-02 08:40:00", period_end="2024-10-02 09:00:00")
    a, b = (
        kinds(locks_for(c, normalised(standard, c), None, MOBILITY))[LockKind.PERSON_TRAVEL]
        for c in (first, second)
    )
    # Half-open periods: 08:40 ends the first and starts the second.
    assert not a.overlaps(b)


def test_a_daily_aggregate_keeps_its_per_methodology_lock_and_takes_no_travel_lock(
    standard: Standard,
) -> None:
    claim = gd_bus_claim(period_start="2024-10-02", period_end="2024-10-02")
    norm = normalised(standard, claim)
    assert not is_trip(norm, MOBILITY)
    found = kinds(locks_for(claim, norm, None, MOBILITY))
    assert LockKind.PERSON_TRAVEL not in found
    assert found[LockKind.PERSON_PERIOD].key.startswith(f"{PERSON}|SZ-TRANSIT-BUS|")


def test_a_timed_claim_of_a_non_mobility_methodology_is_no_trip(standard: Standard) -> None:
    claim = trip()
    assert not is_trip(normalised(standard, claim), LockRules())
    assert LockKind.PERSON_TRAVEL not in kinds(
        locks_for(claim, normalised(standard, claim), None, LockRules())
    )


@pytest.mark.parametrize("participant", [PERSON, "f" * 64, None])
def test_a_site_locks_its_site_and_period_whoever_the_participant(
    standard: Standard, participant: str | None
) -> None:
    claim = hk_fit(person_pseudonym=participant)
    site = kinds(locks_for(claim, normalised(standard, claim), None, SITE))[LockKind.PROJECT_PERIOD]
    assert site.key == "CN-HK|site|FIT-CLP-2019-04417"
    anonymous = hk_fit(person_pseudonym=None)
    other = kinds(locks_for(anonymous, normalised(standard, anonymous), None, SITE))
    assert site.overlaps(other[LockKind.PROJECT_PERIOD])


def test_a_whole_day_personal_drop_at_a_shared_outlet_locks_the_person_not_the_outlet(
    standard: Standard,
) -> None:
    claim = hk_green_claim()
    found = kinds(locks_for(claim, normalised(standard, claim), None, SHARED))
    assert LockKind.PROJECT_PERIOD not in found
    assert LockKind.PERSON_PERIOD in found


def test_a_timed_drop_or_the_outlets_own_record_locks_the_outlet(standard: Standard) -> None:
    timed = hk_green_claim(period_start="2024-10-02 10:05", period_end="2024-10-02 10:07")
    outlet = hk_green_claim(person_pseudonym=None)
    for claim in (timed, outlet):
        found = kinds(locks_for(claim, normalised(standard, claim), None, SHARED))
        assert found[LockKind.PROJECT_PERIOD].key == "CN-HK|site|GS-STN-007"


def test_the_station_of_a_ride_is_where_it_happened_not_a_claimed_site(
    standard: Standard,
) -> None:
    ride = trip(site_id="STATION-7")
    found = kinds(locks_for(ride, normalised(standard, ride), None, MOBILITY))
    assert LockKind.PROJECT_PERIOD not in found
    assert LockKind.PERSON_TRAVEL in found


def test_a_trip_overlap_is_reported_instead_of_the_same_modes_period_overlap() -> None:
    period = ClaimLock(LockKind.PERSON_PERIOD, "p|SZ-BIKE|", 0, 9)
    travel = ClaimLock(LockKind.PERSON_TRAVEL, "p", 0, 9)
    content = ClaimLock(LockKind.CONTENT, "d", 0, 0)
    assert reported_conflicts([period, travel, content]) == [travel, content]
    assert reported_conflicts([period]) == [period]


def test_the_standard_names_exactly_bus_metro_and_bike_as_mobility(standard: Standard) -> None:
    mobility = {m.id for m in standard.methodologies() if m.mobility}
    assert mobility == {"SZ-TRANSIT-BUS", "SZ-TRANSIT-METRO", "SZ-BIKE"}
    assert {m.id for m in standard.methodologies() if m.shared_site} == {"HUB-INTERIM-RECYCLE"}
    limit = standard.header.person_daily_mobility_pkm
    assert limit is not None and limit.value > 0 and limit.source
