"""One person, one place at a time; a person's daily travel; a site always locks
its site: through a real hub with mutual TLS, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from tests.integration.grpc.ledger_helpers import Running, running_hub, submit

PERSON = hashlib.sha256(b"one traveller").hexdigest()
OTHER = hashlib.sha256(b"another traveller").hexdigest()


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as hub:
        yield hub


def gd_trip(record_id: str, mode: str, start: str, end: str, pkm: str = "6.5") -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology=mode,
        period_start=f"2024-10-02 {start}:00",
        period_end=f"2024-10-02 {end}:00",
        time_zone="Asia/Shanghai",
        activity_quantity=pkm,
        activity_unit="km" if mode == "GD-BIKE" else "pkm",
        person_pseudonym=PERSON,
    )


def gd_day(record_id: str, mode: str, pkm: str) -> pb.Claim:
    claim = gd_trip(record_id, mode, "00:00", "00:00", pkm)
    claim.period_start = claim.period_end = "2024-10-02"
    return claim


def hk_mtr(record_id: str, start: str, end: str, km: str = "14.6") -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology="MTR",
        period_start=f"2024-10-02 {start}",
        period_end=f"2024-10-02 {end}",
        time_zone="Asia/Hong_Kong",
        activity_quantity=km,
        activity_unit="km",
        person_pseudonym=PERSON,
        district="Sha Tin",
        adjustment_ref=f"HKAA-{record_id}",
    )


def hk_fit(record_id: str, participant: str) -> pb.Claim:
    return pb.Claim(
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


def check(verdict: pb.Verdict, code: str) -> dict[str, str]:
    found = [c for c in verdict.checks if c.code == code]
    assert len(found) == 1, [c.code for c in verdict.checks]
    return dict(found[0].details)


def test_metro_bus_and_bike_of_one_person_within_35_minutes_count_once(
    running: Running,
) -> None:
    metro, bus, bike = submit(
        running.partner,
        gd_trip("T-METRO", "GD-METRO", "08:05", "08:40"),
        gd_trip("T-BUS", "GD-BUS", "08:15", "08:30"),
        gd_trip("T-BIKE", "GD-BIKE", "08:30", "08:38"),
    )
    assert metro.decision == pb.DECISION_ACCEPTED, metro
    for refused in (bus, bike):
        assert refused.decision == pb.DECISION_REJECTED
        details = check(refused, "PERSON_TRIP_OVERLAP")
        assert (details["other_partner"], details["other_record_id"]) == ("CN-GD", "T-METRO")
        assert PERSON not in str(refused)
    # A later delivery overlapping the accepted trip is refused against the ledger.
    (late,) = submit(running.partner, gd_trip("T-BUS-2", "GD-BUS", "08:39", "08:55"))
    assert late.decision == pb.DECISION_REJECTED
    assert check(late, "PERSON_TRIP_OVERLAP")["other_record_id"] == "T-METRO"


def test_one_trip_reported_by_guangdong_and_hong_kong_is_refused_the_second_time(
    running: Running,
) -> None:
    (gd,) = submit(running.partner, gd_trip("GD-M-1", "GD-METRO", "08:12", "08:41"))
    (hk,) = submit(running.partner, hk_mtr("MTR-1", "08:12", "08:41"), partner="CN-HK")
    assert gd.decision == pb.DECISION_ACCEPTED, gd
    assert hk.decision == pb.DECISION_REJECTED
    details = check(hk, "PERSON_TRIP_OVERLAP")
    assert (details["other_partner"], details["other_record_id"]) == ("CN-GD", "GD-M-1")


def test_trips_one_after_another_are_all_accepted(running: Running) -> None:
    verdicts = submit(
        running.partner,
        gd_trip("T-1", "GD-METRO", "08:05", "08:25"),
        gd_trip("T-2", "GD-BUS", "08:25", "08:40"),
    )
    (hk,) = submit(running.partner, hk_mtr("MTR-3", "08:40", "09:10"), partner="CN-HK")
    assert [v.decision for v in verdicts] == [pb.DECISION_ACCEPTED] * 2, verdicts
    assert hk.decision == pb.DECISION_ACCEPTED, hk


def test_a_fit_site_and_month_sent_with_participant_a_b_and_none_is_accepted_once(
    running: Running,
) -> None:
    first, second, third = (
        submit(running.partner, claim, partner="CN-HK")[0]
        for claim in (hk_fit("FIT-A", PERSON), hk_fit("FIT-B", OTHER), hk_fit("FIT-NONE", ""))
    )
    assert first.decision == pb.DECISION_ACCEPTED, first
    for refused in (second, third):
        assert refused.decision == pb.DECISION_REJECTED
        assert check(refused, "PROJECT_PERIOD_OVERLAP")["other_record_id"] == "FIT-A"


def test_a_daily_aggregate_over_the_plausible_daily_travel_is_held(running: Running) -> None:
    (bus,) = submit(running.partner, gd_day("D-BUS", "GD-BUS", "200"))
    (mtr,) = submit(running.partner, hk_mtr("MTR-D", "18:00", "18:40", km="90"), partner="CN-HK")
    (bike,) = submit(running.partner, gd_day("D-BIKE", "GD-BIKE", "60"))
    assert bus.decision == pb.DECISION_ACCEPTED, bus
    assert mtr.decision == pb.DECISION_ACCEPTED, mtr
    assert bike.decision == pb.DECISION_HELD, bike
    details = check(bike, "PERSON_DAILY_MOBILITY_IMPLAUSIBLE")
    assert (details["day"], details["total"], details["limit"]) == ("2024-10-02", "350.0", "300.0")
