"""assess_claim: what a partner sees for typical and faulty records."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.checks import CATALOGUE, Severity
from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    Decision,
    OriginStatus,
    PartnerProjectStatus,
)
from hub.domain.claim_assessment import ClaimAssessment, assess_claim
from hub.domain.claims import decide
from hub.domain.locks import OriginBlock
from hub.domain.projects import Project
from hub.standard import Standard
from tests.unit.domain.domain_builders import (
    GD_PROJECT_ID,
    NOW,
    PERSON,
    gd_bus_claim,
    gd_project,
    gd_pv_claim,
    hk_green_claim,
)


def assess(
    standard: Standard, claim: ClaimSubmission, project: Project | None = None
) -> ClaimAssessment:
    return assess_claim(claim, standard, project, NOW)


def codes(assessment: ClaimAssessment) -> list[str]:
    return [c.code for c in assessment.checks]


def check(assessment: ClaimAssessment, code: str) -> dict[str, str]:
    found = [c for c in assessment.checks if c.code == code]
    assert found, f"{code} did not fire: {codes(assessment)}"
    return dict(found[0].details)


# --- Guangdong PV ------------------------------------------------------------------


def test_gd_pv_is_recomputed_with_the_southern_grid_factor_and_the_2022_fallback(
    standard: Standard,
) -> None:
    a = assess(standard, gd_pv_claim(), gd_project())
    assert decide(a.checks) is Decision.ACCEPTED
    n = a.normalised
    assert n is not None
    assert n.methodology == "SZ-PV"
    assert n.vintage == 2025
    assert n.recomputed_tco2e == Decimal("4.642800")  # 12 000 kWh x 0.3869 kg/kWh / 1000
    assert n.credited_tco2e == Decimal("4.642800")
    assert check(a, "FACTOR_YEAR_FALLBACK") == {
        "factor": "grid_ef",
        "year": "2025",
        "used_year": "2022",
    }
    assert CATALOGUE["FACTOR_YEAR_FALLBACK"].severity is Severity.INFO
    trace = n.trace
    assert trace.standard_version == standard.version
    assert (trace.methodology, trace.formula_id) == ("SZ-PV", "SZ-PV/F1")
    assert trace.formula == "activity * grid_ef / 1000"
    assert trace.inputs == {"activity": Decimal(12000)}
    (factor,) = trace.factors
    assert (factor.factor_id, factor.value, factor.region, factor.year) == (
        "grid_ef",
        Decimal("0.3869"),
        "CN-SOUTHERN-GRID",
        2022,
    )
    assert factor.unit == "kgCO2/kWh" and "MEE/NBS" in factor.source and not factor.provisional
    assert a.origin_block is None and a.site_binding is None


def test_gd_pv_of_2024_is_accepted_with_the_2022_factor(
    standard: Standard,
) -> None:
    # The Shenzhen PV methodology (2025-05) credits vintages from 2022 in this
    # standard (provisional), so a 2024 claim is accepted with the 2022 factor.
    a = assess(
        standard, gd_pv_claim(period_start="2024-07-01", period_end="2024-07-31"), gd_project()
    )
    assert decide(a.checks) is Decision.ACCEPTED
    assert a.normalised is not None and a.normalised.credited_tco2e == Decimal("4.642800")
    assert check(a, "FACTOR_YEAR_FALLBACK")["year"] == "2024"
    # A vintage before the window is refused.
    old = assess(
        standard,
        gd_pv_claim(period_start="2021-07-01", period_end="2021-07-31"),
        gd_project(crediting_start=gd_project().crediting_start.replace(year=2021)),
    )
    assert check(old, "METHODOLOGY_NOT_EFFECTIVE")["vintage"] == "2021"
    assert "METHODOLOGY_NOT_RECOGNISED" in codes(old)  # Guangdong window opens 2022-05-06


def test_reported_above_recomputed_keeps_the_recomputed_value(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(reported_tco2e="5.1"), gd_project())
    assert a.normalised is not None
    assert a.normalised.reported_tco2e == Decimal("5.1")
    assert a.normalised.credited_tco2e == Decimal("4.642800")
    assert check(a, "REPORTED_EXCEEDS_RECOMPUTED") == {
        "field": "reported_tco2e",
        "reported": "5.1",
        "recomputed": "4.642800",
    }
    assert decide(a.checks) is Decision.ACCEPTED  # a warning does not block


def test_recomputed_above_reported_keeps_the_reported_value(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(reported_tco2e="4.5"), gd_project())
    assert a.normalised is not None and a.normalised.credited_tco2e == Decimal("4.5")
    assert "RECOMPUTED_EXCEEDS_REPORTED" in codes(a)


def test_mwh_is_converted_to_kwh(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(activity_quantity="12", activity_unit="MWh"), gd_project())
    assert a.normalised is not None
    assert (a.normalised.activity_value, a.normalised.activity_unit) == (Decimal(12000), "kWh")
    assert a.normalised.credited_tco2e == Decimal("4.642800")
    assert any("converted" in note for note in a.normalised.trace.notes)


def test_unit_not_fitting_the_methodology(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(activity_unit="pkm"), gd_project())
    assert check(a, "UNIT_NOT_FOR_METHODOLOGY")["field"] == "activity_unit"
    assert a.normalised is None and decide(a.checks) is Decision.REJECTED
    unknown = assess(standard, gd_pv_claim(activity_unit="千瓦时"), gd_project())
    assert "UNIT_UNKNOWN" in codes(unknown)


def test_tco2e_is_rounded_down_to_six_decimals(standard: Standard) -> None:
    # 1 kWh x 0.3869 / 1000 = 0.0003869 -> 0.000386
    a = assess(standard, gd_pv_claim(activity_quantity="1"), gd_project())
    assert a.normalised is not None and a.normalised.credited_tco2e == Decimal("0.000386")


def test_implausible_quantity_is_held_for_review(standard: Standard) -> None:
    # 9 380 000 kWh in 30 days is far beyond what 1 MW can generate.
    a = assess(
        standard,
        gd_pv_claim(
            period_start="2025-09-01", period_end="2025-09-30", activity_quantity="9380000"
        ),
        gd_project(),
    )
    details = check(a, "QUANTITY_OUT_OF_BOUNDS")
    assert details["limit"] == "720000" and details["field"] == "activity_quantity"
    assert decide(a.checks) is Decision.HELD
    assert a.normalised is not None  # held, so its locks must be taken


# --- projects ----------------------------------------------------------------------


def test_project_must_be_registered_active_and_matching(standard: Standard) -> None:
    assert check(assess(standard, gd_pv_claim(), None), "PROJECT_NOT_REGISTERED") == {
        "field": "project_id",
        "project_id": GD_PROJECT_ID,
    }
    suspended = assess(standard, gd_pv_claim(), gd_project(status=PartnerProjectStatus.SUSPENDED))
    assert check(suspended, "PROJECT_NOT_ACTIVE")["status"] == "SUSPENDED"
    other = assess(standard, gd_pv_claim(), gd_project(partner_methodology="GD-FOREST-M"))
    assert "PROJECT_METHODOLOGY_MISMATCH" in codes(other)
    missing = assess(standard, gd_pv_claim(project_id=None), None)
    assert "PROJECT_REQUIRED" in codes(missing)


def test_period_outside_the_crediting_period(standard: Standard) -> None:
    a = assess(
        standard,
        gd_pv_claim(period_start="2023-02-20", period_end="2023-03-10"),
        gd_project(),
    )
    details = check(a, "PERIOD_OUTSIDE_CREDITING")
    assert details["crediting_start"] == "2023-03-01" and details["field"] == "period_start"


def test_project_over_the_pv_limit_is_refused_at_claim_time(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(), gd_project(size_value="1.2", size_unit="MW"))
    assert check(a, "PROJECT_SIZE_EXCEEDS_LIMIT")["limit"] == "1000 kW"


def test_site_outside_the_partner_region_and_invalid_codes(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(region_code="450100"), gd_project())
    assert check(a, "SITE_OUTSIDE_PARTNER_REGION")["region_code"] == "450100"
    b = assess(standard, gd_pv_claim(region_code="4401"), gd_project())
    assert check(b, "REGION_CODE_INVALID")["field"] == "region_code"


# --- origin issuance -----------------------------------------------------------------


def test_issued_with_a_valid_serial_awaits_source_cancellation(standard: Standard) -> None:
    a = assess(
        standard,
        gd_pv_claim(
            reported_tco2e="4.6",
            origin_status=OriginStatus.ISSUED,
            origin_serial=f"GDPH-{GD_PROJECT_ID}-2025-101-104",
        ),
        gd_project(),
    )
    assert a.origin_block == OriginBlock(f"GDPH-{GD_PROJECT_ID}-2025", 101, 104)
    assert "AWAITING_SOURCE_CANCELLATION" in codes(a)
    assert "ORIGIN_SERIAL_QUANTITY_MISMATCH" not in codes(a)  # floor(4.6) == 4 units
    assert decide(a.checks) is Decision.ACCEPTED


def test_serial_block_size_differing_from_reported_is_held(standard: Standard) -> None:
    a = assess(
        standard,
        gd_pv_claim(
            reported_tco2e="4.6",
            origin_status=OriginStatus.ISSUED,
            origin_serial=f"GDPH-{GD_PROJECT_ID}-2025-101-116",
        ),
        gd_project(),
    )
    assert check(a, "ORIGIN_SERIAL_QUANTITY_MISMATCH") == {
        "field": "origin_serial",
        "units": "16",
        "reported": "4.6",
    }
    assert decide(a.checks) is Decision.HELD


def test_serial_of_another_year_than_the_vintage_is_held(standard: Standard) -> None:
    a = assess(
        standard,
        gd_pv_claim(
            reported_tco2e="4.6",
            origin_status=OriginStatus.ISSUED,
            origin_serial=f"GDPH-{GD_PROJECT_ID}-2024-101-104",
        ),
        gd_project(),
    )
    assert check(a, "ORIGIN_SERIAL_YEAR_MISMATCH") == {
        "field": "origin_serial",
        "serial": f"GDPH-{GD_PROJECT_ID}-2024-101-104",
        "serial_year": "2024",
        "vintage": "2025",
    }
    (found,) = [c for c in a.checks if c.code == "ORIGIN_SERIAL_YEAR_MISMATCH"]
    assert "2024" in found.message_zh and "2025" in found.message_zh
    assert CATALOGUE["ORIGIN_SERIAL_YEAR_MISMATCH"].severity is Severity.REVIEW
    assert decide(a.checks) is Decision.HELD


def test_serial_year_is_one_of_the_years_the_period_spans(standard: Standard) -> None:
    """A period across New Year is credited in one part per year (its vintages):
    a serial of either year is not held; one of a third year is."""
    spanning = gd_pv_claim(
        period_start="2024-12-01",
        period_end="2025-01-31",
        activity_quantity="24000",
        origin_status=OriginStatus.ISSUED,
    )
    ends_in = assess(
        standard,
        dataclasses.replace(spanning, origin_serial=f"GDPH-{GD_PROJECT_ID}-2025-101-104"),
        gd_project(),
    )
    assert "ORIGIN_SERIAL_YEAR_MISMATCH" not in codes(ends_in)
    starts_in = assess(
        standard,
        dataclasses.replace(spanning, origin_serial=f"GDPH-{GD_PROJECT_ID}-2024-101-104"),
        gd_project(),
    )
    assert "ORIGIN_SERIAL_YEAR_MISMATCH" not in codes(starts_in)
    neither = assess(
        standard,
        dataclasses.replace(spanning, origin_serial=f"GDPH-{GD_PROJECT_ID}-2023-101-104"),
        gd_project(),
    )
    assert check(neither, "ORIGIN_SERIAL_YEAR_MISMATCH")["vintage"] == "2024/2025"
    assert decide(neither.checks) is Decision.HELD


def test_no_year_check_without_a_readable_period(standard: Standard) -> None:
    a = assess(
        standard,
        gd_pv_claim(
            period_end="2025-13-01",
            origin_status=OriginStatus.ISSUED,
            origin_serial=f"GDPH-{GD_PROJECT_ID}-2024-101-104",
        ),
        gd_project(),
    )
    assert "PERIOD_MALFORMED" in codes(a)
    assert "ORIGIN_SERIAL_YEAR_MISMATCH" not in codes(a)


@pytest.mark.parametrize(
    ("status", "serial", "code"),
    [
        (OriginStatus.ISSUED, None, "ORIGIN_ISSUED_WITHOUT_SERIAL"),
        (OriginStatus.ISSUED, "GDPH-2025-1-5", "ORIGIN_SERIAL_MALFORMED"),
        (OriginStatus.NOT_ISSUED, f"GDPH-{GD_PROJECT_ID}-2025-1-4", "ORIGIN_SERIAL_UNEXPECTED"),
        (OriginStatus.CANCELLED, f"GDPH-{GD_PROJECT_ID}-2025-1-4", "ORIGIN_CANCELLED_ELSEWHERE"),
        (OriginStatus.ISSUED, "GDPH-4403-PV-2023-0012-2025-1-4", "ORIGIN_SERIAL_PROJECT_MISMATCH"),
        (OriginStatus.ISSUED, "GDPH-P-2025-1-4", "ORIGIN_SERIAL_PROJECT_MISMATCH"),
    ],
)
def test_origin_problems_are_rejected(
    standard: Standard, status: OriginStatus, serial: str | None, code: str
) -> None:
    a = assess(
        standard,
        gd_pv_claim(reported_tco2e="4.6", origin_status=status, origin_serial=serial),
        gd_project(),
    )
    assert code in codes(a)
    assert CATALOGUE[code].severity is Severity.ERROR
    assert decide(a.checks) is Decision.REJECTED


def test_serial_from_a_partner_without_a_serial_format_is_malformed(standard: Standard) -> None:
    a = assess(
        standard,
        hk_green_claim(origin_status=OriginStatus.ISSUED, origin_serial="HK-1-2"),
    )
    assert "no origin serial format" in check(a, "ORIGIN_SERIAL_MALFORMED")["reason"]
    assert a.origin_block is None


# --- Hong Kong -------------------------------------------------------------------------


def test_hk_green_dollar_paper_in_hong_kong_time(standard: Standard) -> None:
    a = assess(standard, hk_green_claim(reported_tco2e="0.00288"))
    n = a.normalised
    assert n is not None
    assert n.period_start.isoformat() == "2024-10-01T16:00:00+00:00"
    assert n.period_end.isoformat() == "2024-10-02T16:00:00+00:00"
    assert n.methodology == "HUB-INTERIM-RECYCLE" and n.vintage == 2024
    assert n.recomputed_tco2e == Decimal("0.002560")  # 3.2 kg x 0.8 kgCO2e/kg
    assert n.credited_tco2e == Decimal("0.002560")
    (factor,) = n.trace.factors
    assert factor.factor_id == "recycling_ef/paper" and factor.provisional
    assert {"FACTOR_PROVISIONAL", "REPORTED_EXCEEDS_RECOMPUTED"} <= set(codes(a))
    assert a.site_binding == "HUB-INTERIM-RECYCLE"
    assert decide(a.checks) is Decision.ACCEPTED


def test_hk_requires_the_accounting_adjustment_reference(standard: Standard) -> None:
    a = assess(standard, hk_green_claim(adjustment_ref="  "))
    assert check(a, "ADJUSTMENT_REF_MISSING")["field"] == "adjustment_ref"
    assert decide(a.checks) is Decision.REJECTED
    gd = assess(standard, gd_pv_claim(adjustment_ref=None), gd_project())
    assert "ADJUSTMENT_REF_MISSING" not in codes(gd)


def test_recycling_needs_a_known_material(standard: Standard) -> None:
    assert "MATERIAL_REQUIRED" in codes(assess(standard, hk_green_claim(material=None)))
    unknown = assess(standard, hk_green_claim(material="textiles"))
    assert check(unknown, "MATERIAL_UNKNOWN")["material"] == "textiles"
    assert unknown.normalised is None


@pytest.mark.parametrize(
    ("utility", "factor", "year", "expected"),
    [
        # 2025 activity falls back to each utility's latest published year;
        # CLP's 2020 value is provisional (read only in a news report).
        ("CLP", "0.37", 2020, Decimal("0.296000")),
        ("HKE", "0.81", 2019, Decimal("0.648000")),
    ],
)
def test_hk_solar_uses_the_utility_factor(
    standard: Standard, utility: str, factor: str, year: int, expected: Decimal
) -> None:
    claim = hk_green_claim(
        partner_methodology="SOLAR_FIT",
        period_start="2025-06-01",
        period_end="2025-06-30",
        activity_quantity="800",
        activity_unit="kWh",
        person_pseudonym=None,
        site_id="SFIT-0042",
        material=None,
        utility=utility,
    )
    a = assess(standard, claim)
    assert a.normalised is not None and a.normalised.credited_tco2e == expected
    (used,) = a.normalised.trace.factors
    assert used.value == Decimal(factor) and used.year == year
    assert check(a, "FACTOR_YEAR_FALLBACK")["used_year"] == str(year)
    assert ("FACTOR_PROVISIONAL" in codes(a)) is (utility == "CLP")
    assert a.site_binding == "SZ-PV"
    missing = assess(standard, dataclasses.replace(claim, utility=None))
    assert "UTILITY_REQUIRED" in codes(missing) and missing.normalised is None
    other = assess(standard, dataclasses.replace(claim, utility="HK Gas"))
    assert check(other, "UTILITY_UNKNOWN")["known"] == "CLP, HKE"
    no_site = assess(standard, dataclasses.replace(claim, site_id=None))
    assert "SITE_REQUIRED" in codes(no_site)


def test_hk_ev_charging_is_not_crosswalked_and_says_why(standard: Standard) -> None:
    a = assess(
        standard,
        hk_green_claim(partner_methodology="EV_CHARGING", material=None, activity_unit="kWh"),
    )
    details = check(a, "METHODOLOGY_NOT_IN_CROSSWALK")
    assert details["partner_methodology"] == "EV_CHARGING"
    assert "No Shenzhen methodology" in details["reason"]
    assert a.normalised is None and a.site_binding is None


def test_hk_mtr_km_recomputed_with_the_metro_factor(standard: Standard) -> None:
    claim = hk_green_claim(
        partner_methodology="MTR",
        activity_quantity="30",
        activity_unit="km",
        site_id=None,
        material=None,
    )
    a = assess(standard, claim)
    assert a.normalised is not None
    # 30 pkm x (110 - 46.7) gCO2/pkm / 1e6
    assert a.normalised.credited_tco2e == Decimal("0.001899")
    trips = assess(standard, dataclasses.replace(claim, activity_unit="trip"))
    # Rides counted in trips have no distance and no trip length is filed.
    assert codes(trips) == ["TRIP_WITHOUT_DISTANCE"]
    assert check(trips, "TRIP_WITHOUT_DISTANCE")["field"] == "activity_unit"
    assert decide(trips.checks) is Decision.REJECTED


def test_a_count_unit_for_a_mass_methodology_is_any_unit_mismatch(standard: Standard) -> None:
    trips = assess(standard, hk_green_claim(activity_unit="trip"))
    assert "UNIT_NOT_FOR_METHODOLOGY" in codes(trips)
    assert "TRIP_WITHOUT_DISTANCE" not in codes(trips)


# --- personal behaviour -------------------------------------------------------------------


def test_daily_cap_caps_personal_claims(standard: Standard) -> None:
    # 300 pkm a day for 31 days: 9 300 pkm x 83.1 g = 0.77283 t > 0.01 t x 31 days.
    a = assess(standard, gd_bus_claim(activity_quantity="9300"))
    n = a.normalised
    assert n is not None
    assert n.recomputed_tco2e == Decimal("0.772830")
    assert n.credited_tco2e == Decimal("0.310000")
    assert check(a, "DAILY_CAP_APPLIED") == {
        "field": "activity_quantity",
        "cap": "0.01",
        "days": "31",
        "capped": "0.310000",
    }
    assert decide(a.checks) is Decision.ACCEPTED


def test_personal_claims_need_a_well_formed_pseudonym(standard: Standard) -> None:
    assert "PERSON_REQUIRED" in codes(assess(standard, gd_bus_claim(person_pseudonym=None)))
    upper = assess(standard, gd_bus_claim(person_pseudonym=PERSON.upper()))
    assert check(upper, "PSEUDONYM_MALFORMED")["field"] == "person_pseudonym"
    short = assess(standard, gd_bus_claim(person_pseudonym="13800138000"))
    assert "PSEUDONYM_MALFORMED" in codes(short)


def test_reported_only_crosswalk_applies_the_discount(standard: Standard) -> None:
    claim = gd_bus_claim(
        partner_methodology="GD-AC",
        activity_quantity="120",
        activity_unit="kWh",
        reported_tco2e="0.1",
    )
    a = assess(standard, claim)
    n = a.normalised
    assert n is not None
    assert n.methodology == "SZ-RES-ELEC"
    assert n.recomputed_tco2e is None
    assert n.credited_tco2e == Decimal("0.080000")
    assert n.trace.discount == Decimal("0.2")
    assert n.trace.formula == "reported_tco2e * (1 - discount)"
    assert check(a, "CROSSWALK_DISCOUNT_APPLIED")["discount"] == "0.2"
    none = assess(standard, dataclasses.replace(claim, reported_tco2e=None))
    assert "REPORTED_REQUIRED" in codes(none) and none.normalised is None


def test_forest_area_in_mu_is_converted_to_hectares(standard: Standard) -> None:
    project = gd_project(
        project_id="4416-FOR-2023-0001",
        partner_methodology="GD-FOREST-M",
        region_code="441600",
        size_value="1500",
        size_unit="mu",
    )
    claim = gd_pv_claim(
        partner_methodology="GD-FOREST-M",
        project_id="4416-FOR-2023-0001",
        region_code="441600",
        period_start="2024-01-01",
        period_end="2024-12-31",
        activity_quantity="1500",
        activity_unit="mu",
    )
    a = assess(standard, claim, project)
    n = a.normalised
    assert n is not None
    assert (n.activity_value, n.activity_unit) == (Decimal(100), "ha")
    # 100 ha x 2.5 tCO2e/ha/a x 366/365 years (2024 is a leap year)
    assert n.credited_tco2e == Decimal("250.684931")
    assert n.trace.inputs["years"] == Decimal(366) / Decimal(365)
    assert n.trace.factors[0].factor_id == "forest_sink_rate/management"
    assert decide(a.checks) is Decision.ACCEPTED


# --- periods and quantities -----------------------------------------------------------------


def test_future_and_malformed_periods(standard: Standard) -> None:
    future = assess(
        standard, gd_pv_claim(period_start="2026-01-01", period_end="2026-01-31"), gd_project()
    )
    assert check(future, "PERIOD_IN_FUTURE")["field"] == "period_end"
    reversed_ = assess(
        standard, gd_pv_claim(period_start="2025-06-30", period_end="2025-06-01"), gd_project()
    )
    assert check(reversed_, "PERIOD_MALFORMED")["reason"] == "the end is not after the start"
    assert reversed_.normalised is None
    too_long = assess(standard, gd_bus_claim(period_start="2024-01-01", period_end="2024-12-31"))
    assert check(too_long, "PERIOD_TOO_LONG") == {
        "field": "period_end",
        "days": "366",
        "limit": "31",
    }


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        ("abc", "QUANTITY_MALFORMED"),
        ("1e3", "QUANTITY_MALFORMED"),
        ("", "QUANTITY_MALFORMED"),
        ("0", "QUANTITY_NOT_POSITIVE"),
        ("-5", "QUANTITY_NOT_POSITIVE"),
    ],
)
def test_bad_quantities(standard: Standard, quantity: str, code: str) -> None:
    a = assess(standard, gd_pv_claim(activity_quantity=quantity), gd_project())
    assert check(a, code)["field"] == "activity_quantity"
    assert a.normalised is None


def test_bad_reported_values(standard: Standard) -> None:
    malformed = assess(standard, gd_pv_claim(reported_tco2e="4,6"), gd_project())
    assert "REPORTED_MALFORMED" in codes(malformed) and malformed.normalised is None
    negative = assess(standard, gd_pv_claim(reported_tco2e="-1"), gd_project())
    assert "REPORTED_NEGATIVE" in codes(negative)


def test_unknown_partner_and_methodology(standard: Standard) -> None:
    a = assess(standard, gd_pv_claim(partner="CN-TPL", partner_methodology="TPL-PV"))
    assert {"PARTNER_NOT_RECOGNISED", "METHODOLOGY_NOT_IN_CROSSWALK"} <= set(codes(a))


def test_all_errors_are_listed_together(standard: Standard) -> None:
    claim = hk_green_claim(
        period_start="2024-10-05",
        period_end="2024-10-04",
        activity_quantity="-3",
        material="wood",
        person_pseudonym="ABC",
        adjustment_ref=None,
        region_code="99",
        origin_status=OriginStatus.CANCELLED,
    )
    a = assess(standard, claim)
    assert {
        "PERIOD_MALFORMED",
        "QUANTITY_NOT_POSITIVE",
        "MATERIAL_UNKNOWN",
        "PSEUDONYM_MALFORMED",
        "ADJUSTMENT_REF_MISSING",
        "REGION_CODE_INVALID",
        "ORIGIN_CANCELLED_ELSEWHERE",
    } <= set(codes(a))
    assert a.normalised is None
    assert decide(a.checks) is Decision.REJECTED


def test_every_check_names_a_field_that_exists(standard: Standard) -> None:
    claim = hk_green_claim(
        period_start="2024-10-05",
        period_end="2024-10-04",
        activity_quantity="x",
        material=None,
        adjustment_ref=None,
        origin_status=OriginStatus.ISSUED,
    )
    a = assess(standard, claim)
    fields = set(ClaimSubmission.__dataclass_fields__)
    for result in a.checks:
        if result.severity in (Severity.ERROR, Severity.REVIEW):
            assert result.details.get("field") in fields, result
