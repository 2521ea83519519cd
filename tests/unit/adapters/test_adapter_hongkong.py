"""The Hong Kong adapter: the sample delivery, dates, districts, kg → t."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.dates import DateMalformed, iso_from_dmy
from adapters.hongkong import HongKongAdapter
from adapters.hongkong.adapter import kg_to_tonnes
from adapters.hongkong.districts import CANONICAL_DISTRICTS, canonical_district
from carbonhub_contract.vocabulary.records import OriginStatus
from tests.unit.adapters.adapter_testkit import HK_01, write_delivery

HEADER = (
    "ref,programme,district,site_id,participant,start,end,material,quantity,unit,utility,"
    "co2e_kg,adjustment_ref,verifier"
)


def test_sample_counts_and_problems() -> None:
    d = HongKongAdapter().read(HK_01)
    assert (d.partner, d.delivery_id, d.rows_read) == ("CN-HK", "HK-20241101-01", 38)
    assert d.projects == [] and len(d.claims) == 35
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (11, "start", "ROW_DATE_MALFORMED"),
        (11, "end", "ROW_DATE_MALFORMED"),
        (14, "district", "ROW_DISTRICT_UNKNOWN"),
        (15, "unit", "ROW_UNIT_UNKNOWN"),
    ]
    sent = {c.source.line for c in d.claims}
    assert sent.isdisjoint(p.line for p in d.problems)
    assert len(sent) + len({p.line for p in d.problems}) == d.rows_read


def test_sample_mapping() -> None:
    by_ref = {c.submission.record_id: c.submission for c in HongKongAdapter().read(HK_01).claims}
    ride = by_ref["MTR-2410-000301"]
    assert (ride.period_start, ride.period_end) == ("2024-10-02T08:12:00", "2024-10-02T08:41:00")
    assert (ride.time_zone, ride.region_code, ride.district) == (
        "Asia/Hong_Kong",
        "810000",
        "Sha Tin",
    )
    assert (ride.activity_unit, ride.site_id, ride.partner_methodology) == ("km", None, "MTR")
    assert ride.reported_tco2e == "0.001168" and ride.raw["co2e_kg"] == "1.168"
    assert ride.origin_status is OriginStatus.NOT_ISSUED
    recycling = by_ref["GRN-2410-000102"]
    assert (recycling.district, recycling.material, recycling.site_id) == (
        "Sha Tin",
        "plastics",
        "GS-STN-007",
    )
    assert recycling.person_pseudonym is not None and len(recycling.person_pseudonym) == 64
    assert (recycling.period_start, recycling.period_end) == ("2024-10-02", "2024-10-02")
    assert by_ref["GRN-2410-000103"].district == "Sha Tin"  # 沙田區
    assert by_ref["GRN-2410-000105"].district == "Central and Western"  # 中西區
    assert by_ref["MTR-2410-000312"].district == "Wong Tai Sin"  # Simplified 黄大仙
    assert by_ref["GRN-2410-000106"].reported_tco2e is None  # empty co2e_kg
    assert by_ref["GRN-2410-000112"].adjustment_ref is None  # the hub rejects it
    solar = by_ref["FIT-2409-000203"]
    assert (solar.utility, solar.activity_unit, solar.verifier) == ("HKE", "kWh", "HKQAA")
    assert solar.person_pseudonym is None
    ev = by_ref["EVC-2410-000401"]
    assert ev.partner_methodology == "EV_CHARGING"  # passed through; no crosswalk at the hub
    a, b = by_ref["MTR-2410-000309"], by_ref["MTR-2410-000313"]
    assert a.digest_without_identity() == b.digest_without_identity()


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("13/01/2024", "2024-01-13"),
        ("02/10/2024", "2024-10-02"),
        ("2/3/2024", "2024-03-02"),
        ("29/02/2024 23:05", "2024-02-29T23:05:00"),
    ],
)
def test_hong_kong_dates_are_day_first(text: str, iso: str) -> None:
    assert iso_from_dmy(text) == iso


@pytest.mark.parametrize(
    "text", ["01/13/2024", "29/02/2023", "2024-01-13", "", "13/01/24", "1/1/2024 7"]
)
def test_hong_kong_malformed_dates(text: str) -> None:
    with pytest.raises(DateMalformed):
        iso_from_dmy(text)


DISTRICTS = {
    "Central and Western": ("中西區", "中西区"),
    "Wan Chai": ("灣仔", "湾仔"),
    "Eastern": ("東區", "东区"),
    "Southern": ("南區", "南区"),
    "Yau Tsim Mong": ("油尖旺區", "油尖旺区"),
    "Sham Shui Po": ("深水埗", "深水埗区"),
    "Kowloon City": ("九龍城", "九龙城"),
    "Wong Tai Sin": ("黃大仙", "黄大仙"),
    "Kwun Tong": ("觀塘", "观塘"),
    "Kwai Tsing": ("葵青", "葵青区"),
    "Tsuen Wan": ("荃灣", "荃湾"),
    "Tuen Mun": ("屯門", "屯门"),
    "Yuen Long": ("元朗", "元朗区"),
    "North": ("北區", "北区"),
    "Tai Po": ("大埔", "大埔区"),
    "Sha Tin": ("沙田", "沙田区"),
    "Sai Kung": ("西貢", "西贡"),
    "Islands": ("離島", "离岛"),
}


def test_all_18_districts_in_three_scripts() -> None:
    assert set(DISTRICTS) == set(CANONICAL_DISTRICTS) and len(CANONICAL_DISTRICTS) == 18
    for english, (traditional, simplified) in DISTRICTS.items():
        for name in (english, english.upper(), f" {english} District ", traditional, simplified):
            assert canonical_district(name) == english, name


@pytest.mark.parametrize("text", ["Tseung Kwan O", "Kowloon", "Shenzhen", "區", ""])
def test_unknown_districts(text: str) -> None:
    assert canonical_district(text) is None


def test_kg_to_tonnes_is_exact_and_passes_junk_through() -> None:
    assert kg_to_tonnes("1200") == "1.200"
    assert kg_to_tonnes("2.88") == "0.00288"
    assert kg_to_tonnes("-30") == "-0.030"
    assert kg_to_tonnes("0.0001") == "0.0000001"
    assert kg_to_tonnes("12 kg") == "12 kg"
    assert kg_to_tonnes("NaN") == "NaN"
    assert kg_to_tonnes(None) is None


def test_blank_district_and_ref_are_missing_fields(tmp_path: Path) -> None:
    rows = [
        ",MTR,Sha Tin,,p,02/10/2024 08:12,02/10/2024 08:41,,14.6,km,,,AA-1,",
        "R2,MTR,,,p,02/10/2024 08:12,02/10/2024 08:41,,14.6,trips,,,AA-1,",
        "R3,SOLAR_FIT,南區,S1,,01/09/2024,30/09/2024,,2150,kWh,HKE,1419,AA-2,HKQAA",
    ]
    folder = write_delivery(
        tmp_path / "HK-T",
        "CN-HK",
        "HK-T",
        "utf-8",
        {"activities": ("activities.csv", ("\n".join([HEADER, *rows]) + "\n").encode())},
    )
    d = HongKongAdapter().read(folder)
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (2, "ref", "ROW_FIELD_MISSING"),
        (3, "district", "ROW_FIELD_MISSING"),
    ]
    (claim,) = d.claims
    assert (claim.submission.district, claim.submission.reported_tco2e) == ("Southern", "1.419")
