"""Properties of normalisation that must hold for any input."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.claim_assessment import assess_claim
from hub.domain.normalisation import floor_tco2e, parse_decimal
from hub.standard import Standard, default_standards_dir, load_standard
from tests.unit.domain.domain_builders import (
    NOW,
    gd_bus_claim,
    gd_project,
    gd_pv_claim,
    hk_green_claim,
)

STANDARD: Standard = load_standard(default_standards_dir())
PROJECT = gd_project()

quantities = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("100000000"), places=3, allow_nan=False
)
reported = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal(0), max_value=Decimal(100000), places=6, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(quantity=quantities, reported_value=reported)
def test_credited_never_exceeds_reported_or_recomputed_and_is_never_negative(
    quantity: Decimal, reported_value: Decimal | None
) -> None:
    claim = gd_pv_claim(
        activity_quantity=str(quantity),
        reported_tco2e=None if reported_value is None else str(reported_value),
    )
    a = assess_claim(claim, STANDARD, PROJECT, NOW)
    n = a.normalised
    assert n is not None
    assert n.credited_tco2e >= 0
    assert n.recomputed_tco2e is not None and n.credited_tco2e <= n.recomputed_tco2e
    if reported_value is not None:
        assert n.credited_tco2e <= reported_value
    assert n.credited_tco2e == floor_tco2e(n.credited_tco2e)  # at most 6 decimals


@settings(max_examples=150, deadline=None)
@given(quantity=quantities, days=st.integers(min_value=1, max_value=31))
def test_personal_claims_never_exceed_the_daily_cap(quantity: Decimal, days: int) -> None:
    claim = gd_bus_claim(
        activity_quantity=str(quantity),
        period_start="2024-10-01",
        period_end=f"2024-10-{days:02d}",
    )
    a = assess_claim(claim, STANDARD, None, NOW)
    n = a.normalised
    assert n is not None
    assert n.credited_tco2e <= Decimal("0.01") * days
    assert n.credited_tco2e >= 0


@settings(max_examples=100, deadline=None)
@given(
    quantity=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(500), places=1),
    material=st.sampled_from(sorted(STANDARD.factor_variants("recycling_ef"))),
)
def test_kg_and_tonnes_give_the_same_credit(quantity: Decimal, material: str) -> None:
    in_kg = assess_claim(
        hk_green_claim(activity_quantity=str(quantity), material=material), STANDARD, None, NOW
    )
    in_t = assess_claim(
        hk_green_claim(
            activity_quantity=str(quantity / 1000), activity_unit="t", material=material
        ),
        STANDARD,
        None,
        NOW,
    )
    assert in_kg.normalised is not None and in_t.normalised is not None
    assert in_kg.normalised.credited_tco2e == in_t.normalised.credited_tco2e


@given(st.text(max_size=12))
def test_parse_decimal_never_raises_and_never_accepts_exponents(text: str) -> None:
    value = parse_decimal(text)
    if value is not None:
        assert value.is_finite()
        assert "e" not in text.lower()


def test_parse_decimal_is_plain_ascii() -> None:
    assert parse_decimal(" 12.50 ") == Decimal("12.50")
    assert parse_decimal(".5") == Decimal("0.5")
    assert parse_decimal("٣") is None  # Arabic-Indic three
    assert parse_decimal("1,000") is None
    assert parse_decimal("NaN") is None
    assert parse_decimal("Infinity") is None
    assert parse_decimal(None) is None


def test_a_revised_factor_table_is_used_at_once_by_the_standard_that_holds_it(
    tmp_path: Path,
) -> None:
    # Factors are looked up once per standard and key, not per claim: a
    # standard loaded with a revised bus factor must not get the factor of
    # another standard that already normalised the very same claim.
    revised_dir = tmp_path / "standards"
    shutil.copytree(default_standards_dir(), revised_dir)
    factors = revised_dir / "factors.yaml"
    text = factors.read_text(encoding="utf-8")
    assert text.count('value: "26.9"') == 1
    factors.write_text(text.replace('value: "26.9"', 'value: "53.8"'), encoding="utf-8")
    revised = load_standard(revised_dir)
    claim = gd_bus_claim()

    before = assess_claim(claim, STANDARD, None, NOW).normalised
    after = assess_claim(claim, revised, None, NOW).normalised
    again = assess_claim(claim, STANDARD, None, NOW).normalised

    assert before is not None and after is not None and again is not None
    bus = {f.factor_id: f.value for f in after.trace.factors}["bus_ef"]
    assert bus == Decimal("53.8")
    assert {f.factor_id: f.value for f in again.trace.factors}["bus_ef"] == Decimal("26.9")
    # A higher bus factor leaves less reduction for the same trips.
    assert after.recomputed_tco2e is not None and before.recomputed_tco2e is not None
    assert after.recomputed_tco2e < before.recomputed_tco2e == again.recomputed_tco2e
