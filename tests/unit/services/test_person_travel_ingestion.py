"""IngestionService: one person, one place at a time; a person's daily travel;
a site always locks its site (in-memory storage)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.claims import Verdict
from hub.services.ingestion import IngestionService
from hub.standard import Standard
from tests.fakes import FakeUnitOfWorkFactory

from .builders import PERSON_A, PERSON_B
from .conftest import fixed_clock


def gd_trip(record_id: str, mode: str, start: str, end: str, **changes: Any) -> ClaimSubmission:
    claim = ClaimSubmission(
        partner="CN-GD",
        delivery_id="GD-20241031-01",
        record_id=record_id,
        partner_methodology=mode,
        period_start=f"2024-10-02 {start}:00",
        period_end=f"2024-10-02 {end}:00",
        time_zone="Asia/Shanghai",
        activity_quantity="6.5",
        activity_unit="km" if mode == "GD-BIKE" else "pkm",
        person_pseudonym=PERSON_A,
    )
    return replace(claim, **changes)


def hk_mtr(record_id: str, start: str, end: str, **changes: Any) -> ClaimSubmission:
    claim = ClaimSubmission(
        partner="CN-HK",
        delivery_id="HK-20241101-01",
        record_id=record_id,
        partner_methodology="MTR",
        period_start=f"2024-10-02 {start}",
        period_end=f"2024-10-02 {end}",
        time_zone="Asia/Hong_Kong",
        activity_quantity="14.6",
        activity_unit="km",
        person_pseudonym=PERSON_A,
        district="Sha Tin",
        adjustment_ref=f"HKAA-{record_id}",
    )
    return replace(claim, **changes)


def gd_day(record_id: str, mode: str, pkm: str, **changes: Any) -> ClaimSubmission:
    return gd_trip(
        record_id,
        mode,
        "00:00",
        "00:00",
        **{"period_start": "2024-10-02", "period_end": "2024-10-02", "activity_quantity": pkm}
        | changes,
    )


def hk_fit(record_id: str, participant: str | None) -> ClaimSubmission:
    return ClaimSubmission(
        partner="CN-HK",
        delivery_id="HK-20241101-01",
        record_id=record_id,
        partner_methodology="SOLAR_FIT",
        period_start="2024-09-01",
        period_end="2024-09-30",
        time_zone="Asia/Hong_Kong",
        activity_quantity="1240",
        activity_unit="kWh",
        site_id="FIT-CLP-2019-04417",
        person_pseudonym=participant,
        district="Sai Kung",
        utility="CLP",
        adjustment_ref=f"HKAA-{record_id}",
        verifier="HKQAA",
    )


def service_of(uow_factory: FakeUnitOfWorkFactory, standard: Standard) -> IngestionService:
    return IngestionService(uow_factory, standard, fixed_clock)


def codes(verdict: Verdict) -> set[str]:
    return {c.code for c in verdict.checks}


def the(verdict: Verdict, code: str) -> dict[str, str]:
    (found,) = [c for c in verdict.checks if c.code == code]
    return dict(found.details)


def test_metro_bus_and_bike_within_35_minutes_in_one_delivery_accept_only_the_first(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    metro, bus, bike = service.submit(
        "CN-GD",
        [
            gd_trip("T-METRO", "GD-METRO", "08:05", "08:40"),
            gd_trip("T-BUS", "GD-BUS", "08:15", "08:30"),
            gd_trip("T-BIKE", "GD-BIKE", "08:30", "08:38"),
        ],
    )
    assert metro.decision is Decision.ACCEPTED, codes(metro)
    for refused in (bus, bike):
        assert refused.decision is Decision.REJECTED
        assert codes(refused) >= {"PERSON_TRIP_OVERLAP"}
        details = the(refused, "PERSON_TRIP_OVERLAP")
        assert (details["other_partner"], details["other_record_id"]) == ("CN-GD", "T-METRO")
        # The pseudonym is not echoed.
        assert PERSON_A not in str(details)


def test_overlapping_trips_in_later_deliveries_are_refused_against_the_ledger(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    (first,) = service.submit("CN-GD", [gd_trip("T-BUS", "GD-BUS", "08:05", "08:40")])
    (second,) = service.submit("CN-GD", [gd_trip("T-BIKE", "GD-BIKE", "08:39", "08:50")])
    assert first.decision is Decision.ACCEPTED
    assert second.decision is Decision.REJECTED
    assert the(second, "PERSON_TRIP_OVERLAP")["other_record_id"] == "T-BUS"


def test_the_same_trip_reported_by_guangdong_and_hong_kong_is_refused_the_second_time(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    (gd,) = service.submit("CN-GD", [gd_trip("GD-M-1", "GD-METRO", "08:12", "08:41")])
    (hk,) = service.submit("CN-HK", [hk_mtr("MTR-1", "08:12", "08:41")])
    assert gd.decision is Decision.ACCEPTED
    assert hk.decision is Decision.REJECTED
    # Same mode, same time: the trip's own code, not also the per-mode overlap.
    assert "PERSON_PERIOD_OVERLAP" not in codes(hk)
    details = the(hk, "PERSON_TRIP_OVERLAP")
    assert (details["other_partner"], details["other_record_id"]) == ("CN-GD", "GD-M-1")


def test_trips_one_after_another_and_other_peoples_trips_are_all_accepted(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    verdicts = service.submit(
        "CN-GD",
        [
            gd_trip("T-1", "GD-METRO", "08:05", "08:25"),
            gd_trip("T-2", "GD-BUS", "08:25", "08:40"),
            gd_trip("T-3", "GD-BIKE", "08:40", "08:50"),
            gd_trip("T-4", "GD-BUS", "08:05", "08:40", person_pseudonym=PERSON_B),
        ],
    )
    assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 4, [codes(v) for v in verdicts]


def test_a_refused_trip_takes_no_time_from_the_person(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    bad, good = service.submit(
        "CN-GD",
        [
            gd_trip("T-BAD", "GD-METRO", "08:05", "08:25", activity_quantity="-1"),
            gd_trip("T-GOOD", "GD-BUS", "08:10", "08:30"),
        ],
    )
    assert bad.decision is Decision.REJECTED
    assert good.decision is Decision.ACCEPTED


def test_a_fit_site_and_month_with_participant_a_b_and_none_is_accepted_once(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    first = service.submit("CN-HK", [hk_fit("FIT-A", PERSON_A)])
    rest = service.submit("CN-HK", [hk_fit("FIT-B", PERSON_B), hk_fit("FIT-NONE", None)])
    assert first[0].decision is Decision.ACCEPTED, codes(first[0])
    for refused in rest:
        assert refused.decision is Decision.REJECTED
        details = the(refused, "PROJECT_PERIOD_OVERLAP")
        assert details["other_record_id"] == "FIT-A"
        assert details["key"] == "CN-HK|site|FIT-CLP-2019-04417"


def test_a_day_over_the_plausible_total_across_modes_and_partners_is_held(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    limit = standard.header.person_daily_mobility_pkm
    assert limit is not None and limit.value == 300
    service = service_of(uow_factory, standard)
    (bus,) = service.submit("CN-GD", [gd_day("D-BUS", "GD-BUS", "200")])
    (mtr,) = service.submit("CN-HK", [hk_mtr("MTR-D", "18:00", "18:40", activity_quantity="90")])
    # A metro day would collide with the MTR trip on the per-mode lock: a bike day.
    (bike,) = service.submit("CN-GD", [gd_day("D-BIKE", "GD-BIKE", "60")])
    assert bus.decision is Decision.ACCEPTED, codes(bus)
    assert mtr.decision is Decision.ACCEPTED, codes(mtr)
    assert bike.decision is Decision.HELD, codes(bike)
    details = the(bike, "PERSON_DAILY_MOBILITY_IMPLAUSIBLE")
    assert details == {
        "day": "2024-10-02",
        "total": "350.0",
        "counted": "290.0",
        "limit": "300.0",
        "field": "activity_quantity",
    }


def test_the_daily_total_is_counted_within_one_delivery_too(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    bus, metro, other_day = service.submit(
        "CN-GD",
        [
            gd_day("D-BUS", "GD-BUS", "250"),
            gd_day("D-METRO", "GD-METRO", "60"),
            gd_day("D-BIKE", "GD-BIKE", "60", period_start="2024-10-03", period_end="2024-10-03"),
        ],
    )
    assert bus.decision is Decision.ACCEPTED
    assert metro.decision is Decision.HELD
    assert "PERSON_DAILY_MOBILITY_IMPLAUSIBLE" in codes(metro)
    assert other_day.decision is Decision.ACCEPTED


def test_a_held_day_still_counts_and_a_rejected_one_does_not(
    uow_factory: FakeUnitOfWorkFactory, standard: Standard
) -> None:
    service = service_of(uow_factory, standard)
    held, rejected, after = service.submit(
        "CN-GD",
        [
            gd_day("D-BUS", "GD-BUS", "350"),  # above the bus bound: HELD for review
            gd_day("D-METRO", "GD-METRO", "-5"),
            gd_day("D-BIKE", "GD-BIKE", "10"),
        ],
    )
    assert held.decision is Decision.HELD
    assert rejected.decision is Decision.REJECTED
    assert after.decision is Decision.HELD
    assert the(after, "PERSON_DAILY_MOBILITY_IMPLAUSIBLE")["counted"] == "350.0"
