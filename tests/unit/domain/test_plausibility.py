"""The PV plausibility bound scales with the registered capacity."""

from __future__ import annotations

from decimal import Decimal

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import decide
from hub.standard import Standard
from tests.unit.domain.domain_builders import NOW, gd_project, gd_pv_claim


def test_380_kw_roof_claiming_700000_kwh_in_a_month_is_held(standard: Standard) -> None:
    # 700,000 kWh / 380 kW / 31 days = 59.4 full-load hours a day: under the
    # flat 1 MW bound (744,000 kWh in 31 days), impossible for this roof.
    claim = gd_pv_claim(
        period_start="2025-07-01", period_end="2025-07-31", activity_quantity="700000"
    )
    a = assess_claim(claim, standard, gd_project(size_value="380", size_unit="kW"), NOW)
    fired = {c.code: dict(c.details) for c in a.checks}
    assert "QUANTITY_OUT_OF_BOUNDS" not in fired
    details = fired["ACTIVITY_EXCEEDS_CAPACITY"]
    assert details["per_day"] == "59.4" and details["limit"] == "141360"  # 380 x 12 x 31
    assert details["capacity"] == "380 kW" and details["field"] == "activity_quantity"
    assert decide(a.checks) is Decision.HELD
    assert a.normalised is not None  # held, not rejected: the number is kept for review


def test_a_sunny_month_of_a_380_kw_roof_passes(standard: Standard) -> None:
    # 5.5 full-load hours a day in July: a good month, not an implausible one.
    claim = gd_pv_claim(
        period_start="2025-07-01", period_end="2025-07-31", activity_quantity="64790"
    )
    a = assess_claim(claim, standard, gd_project(size_value="380", size_unit="kW"), NOW)
    assert "ACTIVITY_EXCEEDS_CAPACITY" not in {c.code for c in a.checks}
    assert decide(a.checks) is Decision.ACCEPTED


def test_capacity_in_mw_is_converted(standard: Standard) -> None:
    # 0.38 MW is the same roof: the bound is the same 141,360 kWh.
    project = gd_project(size_value="0.38", size_unit="MW")
    over = gd_pv_claim(
        period_start="2025-07-01", period_end="2025-07-31", activity_quantity="141361"
    )
    at = gd_pv_claim(period_start="2025-07-01", period_end="2025-07-31", activity_quantity="141360")
    assert "ACTIVITY_EXCEEDS_CAPACITY" in {
        c.code for c in assess_claim(over, standard, project, NOW).checks
    }
    assert "ACTIVITY_EXCEEDS_CAPACITY" not in {
        c.code for c in assess_claim(at, standard, project, NOW).checks
    }


def test_the_bound_is_sourced_data(standard: Standard) -> None:
    pv = standard.methodology("SZ-PV")
    assert pv is not None and pv.plausible_per_capacity is not None
    bound = pv.plausible_per_capacity
    assert (bound.value, bound.activity_unit, bound.capacity_unit) == (Decimal(12), "kWh", "kW")
    assert bound.provisional and "derived" in bound.source
