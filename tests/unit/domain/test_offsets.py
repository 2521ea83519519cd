"""Offset eligibility of ETS_OFFSET retirements against the shipped rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract.vocabulary.checks import CATALOGUE
from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.offsets import (
    OffsetRules,
    OffsetViolation,
    check_offset,
    offset_cap,
    origin_cap,
    usage_after,
)
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.domain.serial_blocks import SerialRange, Series
from hub.standard import Standard


def _block(partner: str = "CN-GD", vintage: int = 2024, units: int = 100) -> Block:
    series = Series(partner, "SZ-PV", vintage, "4401-PV-2023-0007")
    return Block(
        block_id="B1",
        range=SerialRange(series, 1, units),
        partner=partner,
        account="project:4401-PV-2023-0007",
        state=BlockState.DELIVERED,
        adjustment=Adjustment(None, AdjustmentStatus.NOT_REQUIRED),
        issued_at=datetime(2025, 3, 1, tzinfo=UTC),
    )


def _request(units: int = 10, **changes: object) -> RetirementRequest:
    request = RetirementRequest(
        retirement_id="R1",
        block_id="B1",
        units=units,
        purpose=RetirementPurpose.ETS_OFFSET,
        beneficiary="深圳某电厂",
        compliance_entity="914403001922038216",
        compliance_year=2025,
        verified_emissions_tco2e=Decimal("10000"),  # cap 1000, each origin 300
    )
    return replace(request, **changes)  # type: ignore[arg-type]


@pytest.fixture()
def rules(standard: Standard) -> OffsetRules:
    return standard.offset_rules


def _codes(found: list[OffsetViolation]) -> list[str]:
    return [v.code for v in found]


def test_within_every_limit_passes(rules: OffsetRules) -> None:
    assert check_offset(_request(), _block(), {"CN-GD": 100, "CN-HK": 200}, rules) == []


@pytest.mark.parametrize("purpose", [RetirementPurpose.CARBON_NEUTRAL_EVENT, "VOLUNTARY"])
def test_other_purposes_are_not_limited(rules: OffsetRules, purpose: str) -> None:
    request = _request(
        units=10_000,
        purpose=RetirementPurpose(purpose),
        compliance_entity=None,
        compliance_year=None,
        verified_emissions_tco2e=None,
    )
    assert check_offset(request, _block(partner="CN-MO", vintage=2001), {}, rules) == []
    assert usage_after(request, _block(), {"CN-GD": 5}) == {"CN-GD": 5}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"compliance_entity": None}, "compliance_entity"),
        ({"compliance_entity": "  "}, "compliance_entity"),
        ({"compliance_year": None}, "compliance_year"),
        ({"compliance_year": 0}, "compliance_year"),
        ({"verified_emissions_tco2e": None}, "verified_emissions_tco2e"),
        ({"verified_emissions_tco2e": Decimal(0)}, "verified_emissions_tco2e"),
        ({"verified_emissions_tco2e": Decimal("-5")}, "verified_emissions_tco2e"),
        ({"verified_emissions_tco2e": Decimal("NaN")}, "verified_emissions_tco2e"),
        (
            {"compliance_entity": "", "compliance_year": None},
            "compliance_entity, compliance_year",
        ),
    ],
)
def test_missing_or_non_positive_fields(
    rules: OffsetRules, changes: dict[str, object], fields: str
) -> None:
    # Far over any cap: a rule needing a missing field is not checked.
    found = check_offset(_request(units=10**9, **changes), _block(), {}, rules)
    assert _codes(found) == ["OFFSET_FIELDS_MISSING"]
    assert found[0].details == {"fields": fields}
    assert fields in found[0].message and fields in found[0].message_zh


def test_origin_not_eligible(rules: OffsetRules) -> None:
    found = check_offset(_request(), _block(partner="CN-MO"), {}, rules)
    assert _codes(found) == ["OFFSET_ORIGIN_NOT_ELIGIBLE"]
    assert found[0].details == {"origin": "CN-MO", "eligible": "CN-GD, CN-HK"}
    assert found[0].message == CATALOGUE["OFFSET_ORIGIN_NOT_ELIGIBLE"].message_en.format(
        **found[0].details
    )


def test_vintage_window_is_inclusive_at_its_start(rules: OffsetRules) -> None:
    assert rules.vintage_window_years.value == 3
    assert check_offset(_request(), _block(vintage=2022), {}, rules) == []
    found = check_offset(_request(), _block(vintage=2021), {}, rules)
    assert _codes(found) == ["OFFSET_VINTAGE_OUTSIDE_WINDOW"]
    assert found[0].details == {
        "vintage": "2021",
        "compliance_year": "2025",
        "years": "3",
        "earliest": "2022",
    }


def test_vintage_is_checked_even_when_emissions_are_missing(rules: OffsetRules) -> None:
    found = check_offset(_request(verified_emissions_tco2e=None), _block(vintage=2019), {}, rules)
    assert _codes(found) == ["OFFSET_FIELDS_MISSING", "OFFSET_VINTAGE_OUTSIDE_WINDOW"]


def test_cap_is_floor_of_share_times_emissions(rules: OffsetRules) -> None:
    assert offset_cap(rules, Decimal("10009.99")) == 1000
    assert offset_cap(rules, Decimal("9.99")) == 0
    # 1000 units in all: 999 used (spread over origins) + 1 fits, + 2 does not.
    used = {"CN-GD": 200, "CN-HK": 300, "CN-SZ": 499}
    assert check_offset(_request(units=1), _block(), used, rules) == []
    found = check_offset(_request(units=2), _block(), used, rules)
    assert _codes(found) == ["OFFSET_CAP_EXCEEDED"]
    assert found[0].details == {
        "entity": "914403001922038216",
        "compliance_year": "2025",
        "total": "1001",
        "cap": "1000",
        "share": "0.10",
        "emissions": "10000",
    }


def test_origin_share_is_a_share_of_the_cap(rules: OffsetRules) -> None:
    assert origin_cap(rules, "CN-GD", 1000) == 300
    assert origin_cap(rules, "CN-GD", 9) == 2
    assert origin_cap(rules, "CN-SZ", 1000) is None
    assert check_offset(_request(units=300), _block(), {}, rules) == []
    found = check_offset(_request(units=1), _block(), {"CN-GD": 300}, rules)
    assert _codes(found) == ["OFFSET_ORIGIN_SHARE_EXCEEDED"]
    assert found[0].details["origin_total"] == "301"
    assert found[0].details["origin_cap"] == "300"
    # Units from the other origin do not count against this origin's share.
    assert check_offset(_request(units=1), _block(), {"CN-HK": 300}, rules) == []


def test_both_limits_reported_together(rules: OffsetRules) -> None:
    found = check_offset(_request(units=1001), _block(), {}, rules)
    assert _codes(found) == ["OFFSET_CAP_EXCEEDED", "OFFSET_ORIGIN_SHARE_EXCEEDED"]


def test_usage_after_adds_the_units_to_the_block_origin() -> None:
    used = {"CN-HK": 4}
    assert usage_after(_request(units=7), _block(), used) == {"CN-HK": 4, "CN-GD": 7}
    assert usage_after(_request(units=7), _block(partner="CN-HK"), used) == {"CN-HK": 11}
    assert used == {"CN-HK": 4}


@given(
    emissions=st.integers(1, 10**7),
    steps=st.lists(
        st.tuples(st.sampled_from(["CN-GD", "CN-HK"]), st.integers(1, 5000)), max_size=30
    ),
)
def test_accepted_retirements_never_exceed_the_caps(
    standard: Standard, emissions: int, steps: list[tuple[str, int]]
) -> None:
    rules = standard.offset_rules
    usage: dict[str, int] = {}
    for origin, units in steps:
        request = _request(units=units, verified_emissions_tco2e=Decimal(emissions))
        block = _block(partner=origin)
        if not check_offset(request, block, usage, rules):
            usage = usage_after(request, block, usage)
    cap = offset_cap(rules, Decimal(emissions))
    assert sum(usage.values()) <= cap
    for origin, units in usage.items():
        limit = origin_cap(rules, origin, cap)
        assert limit is not None and units <= limit
