"""A claim against the registers outside the hub (hub.domain.register_claims):
the same units proven credited are rejected, a listed or only described asset
is held, another period of the same asset says nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus
from hub.domain.asset_matching import AssetSite, Thresholds, site_of
from hub.domain.checks import CheckResult
from hub.domain.claim_assessment import ClaimAssessment, assess_claim
from hub.domain.register_claims import (
    CREDITED,
    LISTED,
    asset_id_key,
    claim_register_checks,
    claimed_units,
    entry_keys,
    lookup_keys,
    serial_key,
    with_register_checks,
)
from hub.domain.registers import (
    ListedEntry,
    RegisterKind,
    SerialRange,
    names_asset,
    parse_entries,
    parse_serial_range,
    register_checks,
)
from hub.domain.standard_terms import StandardTerms

from .domain_builders import GD_PROJECT_ID, NOW, gd_project, gd_pv_claim

THRESHOLDS = Thresholds(Decimal("0.05"), Decimal(1000), Decimal("0.01"), Decimal("0.1"))
AT = "2026-12-01T00:00:00+00:00"
ROOF = {
    "entry_id": "GEC-44-000123",
    "name": "广州科学城厂房屋顶光伏",
    "type": "分布式光伏",
    "longitude": "113.4529",
    "latitude": "23.1701",
    "size": "380",
    "size_unit": "kW",
}


def _site() -> AssetSite:
    project = gd_project()
    site = site_of(
        project.partner,
        project.project_id,
        "SZ-PV",
        Decimal(project.latitude),
        Decimal(project.longitude),
        Decimal(project.size_value),
        project.size_unit,
    )
    assert site is not None
    return site


def _listed(kind: RegisterKind, **row: str) -> list[ListedEntry]:
    entries, problems = parse_entries([row])
    assert problems == []
    return [ListedEntry(kind, 2, AT, entries[0])]


def _checks(
    standard: StandardTerms,
    listed: list[ListedEntry],
    claim: ClaimSubmission | None = None,
    *,
    with_site: bool = True,
) -> list[CheckResult]:
    sub = claim or gd_pv_claim()
    assessment = assess_claim(sub, standard, gd_project(), NOW)
    units = claimed_units(sub, assessment, _site() if with_site else None)
    assert units is not None
    return claim_register_checks(units, listed, THRESHOLDS)


def test_a_gec_of_the_same_roof_and_months_by_its_id_rejects_the_claim(
    standard: StandardTerms,
) -> None:
    listed = _listed(
        RegisterKind.GEC,
        entry_id="GEC-2025-06-0001",
        name="屋顶光伏 2025 年 6 月绿证",
        type="pv",
        asset_id=GD_PROJECT_ID,
        period_start="2025-06",
        period_end="2025-06",
    )
    (check,) = _checks(standard, listed, with_site=False)
    assert check.code == CREDITED
    assert check.details["register"] == "GEC 绿证"
    assert (check.details["entry_id"], check.details["matched_by"]) == (
        "GEC-2025-06-0001",
        "asset_id",
    )
    assert check.details["entry_period"] == "2025-06-01..2025-06-30"


def test_a_gec_of_other_months_says_nothing(standard: StandardTerms) -> None:
    listed = _listed(
        RegisterKind.GEC,
        **ROOF,
        asset_id=GD_PROJECT_ID,
        period_start="2025-01-01",
        period_end="2025-05-31",
    )
    assert _checks(standard, listed) == []


def test_periods_meet_in_register_time_utc_plus_8(standard: StandardTerms) -> None:
    # The claim's June (Asia/Shanghai) begins on 1 June 00:00 +08:00, the
    # hour the entry's May ends: they touch and do not overlap.
    listed = _listed(
        RegisterKind.HK_REC,
        entry_id="REC-1",
        name="REC",
        type="solar",
        asset_id=GD_PROJECT_ID,
        period_start="2025-05-31",
        period_end="2025-05-31",
    )
    assert _checks(standard, listed) == []
    june_first = _listed(
        RegisterKind.HK_REC,
        entry_id="REC-2",
        name="REC",
        type="solar",
        asset_id=GD_PROJECT_ID,
        period_start="2025-06-01",
        period_end="2025-06-01",
    )
    (check,) = _checks(standard, june_first)
    assert (check.code, check.details["register"]) == (CREDITED, "HK REC")


def test_a_roof_described_by_point_and_size_in_the_months_is_held(
    standard: StandardTerms,
) -> None:
    listed = _listed(
        RegisterKind.HK_REC, **ROOF, period_start="2025-06-15", period_end="2025-07-15"
    )
    (check,) = _checks(standard, listed)
    assert (check.code, check.details["matched_by"], check.details["register"]) == (
        LISTED,
        "location_and_size",
        "HK REC",
    )


def test_a_listing_without_period_holds_every_claim_of_the_asset(
    standard: StandardTerms,
) -> None:
    (check,) = _checks(standard, _listed(RegisterKind.CCER, **ROOF))
    assert check.code == LISTED and check.details["entry_period"] == "-"
    far = {**ROOF, "longitude": "113.9000"}
    assert _checks(standard, _listed(RegisterKind.CCER, **far)) == []


def test_an_origin_block_the_register_issued_is_rejected_whatever_the_asset(
    standard: StandardTerms,
) -> None:
    serial = f"GDPH-{GD_PROJECT_ID}-2025-1001-1500"
    claim = gd_pv_claim(
        origin_status=OriginStatus.ISSUED, origin_serial=f"GDPH-{GD_PROJECT_ID}-2025-1400-1600"
    )
    listed = _listed(
        RegisterKind.SHENZHEN, entry_id="SZ-7", name="深圳碳普惠", type="pv", serial_range=serial
    )
    (check,) = _checks(standard, listed, claim, with_site=False)
    assert (check.code, check.details["matched_by"], check.details["entry_serials"]) == (
        CREDITED,
        "serial_range",
        serial,
    )
    other = replace(claim, origin_serial=f"GDPH-{GD_PROJECT_ID}-2025-1501-1600")
    assert _checks(standard, listed, other, with_site=False) == []


def test_keys_find_an_entry_by_id_serial_series_and_site(standard: StandardTerms) -> None:
    (item,) = _listed(
        RegisterKind.GEC,
        **ROOF,
        asset_id=f" {GD_PROJECT_ID.lower()} ",
        serial_range="GEC-2025-1-100",
    )
    keys = entry_keys(RegisterKind.GEC, item.entry)
    assert {asset_id_key(GD_PROJECT_ID), serial_key("gec-2025")} <= keys
    sub = gd_pv_claim()
    assessment = assess_claim(sub, standard, gd_project(), NOW)
    units = claimed_units(sub, assessment, _site())
    assert units is not None
    assert keys & lookup_keys(units, THRESHOLDS) >= {asset_id_key(GD_PROJECT_ID)}


def test_serial_ranges_read_like_origin_blocks() -> None:
    assert parse_serial_range("gdph-4401-PV-2023-0007-2025-1-10") == SerialRange(
        "GDPH-4401-PV-2023-0007-2025", 1, 10
    )
    for bad in ("GEC-10-1", "GEC-0-5", "12-13", "GEC 1-2"):
        assert parse_serial_range(bad) is None, bad


def test_rows_carry_periods_and_serials_and_old_rows_still_load() -> None:
    rows = [
        ROOF,
        {"entry_id": "A", "name": "n", "type": "pv", "asset_id": "X", "period_start": "2025-02"},
        {"entry_id": "B", "name": "n", "type": "pv", "serial_range": "S-5-1"},
        {"entry_id": "C", "name": "n", "type": "pv", "asset_id": "X", "longitude": "113"},
        {
            "entry_id": "D",
            "name": "n",
            "type": "pv",
            "asset_id": "Y",
            "period_start": "2025-13",
            "period_end": "2025-01-05",
        },
        {"entry_id": "E", "name": "n", "type": "pv"},
    ]
    entries, problems = parse_entries(rows)
    assert [e.entry_id for e in entries] == ["GEC-44-000123"]
    assert [(p.line, p.column) for p in problems] == [
        (3, "period_end"),
        (4, "serial_range"),
        (5, "latitude"),
        (5, "size"),
        (5, "size_unit"),
        (6, "period_start"),
        (7, "longitude"),
        (7, "latitude"),
        (7, "size"),
        (7, "size_unit"),
    ]


def test_fired_checks_join_the_assessment(standard: StandardTerms) -> None:
    assessment: ClaimAssessment = assess_claim(gd_pv_claim(), standard, gd_project(), NOW)
    assert with_register_checks(assessment, []) is assessment
    fired = _checks(standard, _listed(RegisterKind.CCER, **ROOF))
    assert with_register_checks(assessment, fired).checks[-1].code == LISTED


def test_a_project_and_its_claims_are_named_by_one_asset_id_rule(
    standard: StandardTerms,
) -> None:
    # The register writes the id in other case and with spaces: the project's
    # registration and its claim are both found by it (one rule, names_asset).
    written = f"  {GD_PROJECT_ID.swapcase()} "
    listed = _listed(
        RegisterKind.CCER,
        entry_id="CCER-1",
        name="屋顶光伏",
        type="pv",
        asset_id=written,
        period_start="2025-06",
        period_end="2025-06",
    )
    (claim_check,) = _checks(standard, listed, with_site=False)
    (project_check,) = register_checks(None, listed, THRESHOLDS, project_id=GD_PROJECT_ID)
    assert claim_check.code == CREDITED
    assert claim_check.details["matched_by"] == project_check.details["matched_by"] == "asset_id"
    assert register_checks(None, listed, THRESHOLDS, project_id="GD-OTHER") == []
    assert not names_asset(listed[0].entry, ("", None))
