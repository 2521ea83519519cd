"""Hechi (451200), a paired-assistance prefecture, as the standard loads it.

Hechi has no ISO 3166-2 code, so its partner code (and the origin of its
Shenzhen CER blocks) is its GB/T 2260 code; its sites must lie under 4512.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    Decision,
    PartnerProjectStatus,
    ProjectSubmission,
)
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import decide
from hub.domain.project_assessment import assess_project
from hub.domain.project_review import ProjectReviewState
from hub.domain.serial_blocks import SerialRange, Series, parse_serial
from hub.standard import Standard, StandardError, load_standard
from tests.unit.standard.standard_copies import edit

HECHI = "451200"


def _project(region_code: str, **changes: str) -> ProjectSubmission:
    fields = {
        "partner": HECHI,
        "project_id": "HC-PV-2023-001",
        "name": "都安瑶族自治县地苏镇村级光伏帮扶电站",
        "owner_name": "都安瑶族自治县地苏镇东庙村股份经济合作社",
        "owner_credit_code": "N2451228MF0412345E",
        "partner_methodology": "HC-PV",
        "region_code": region_code,
        "longitude": "108.1012",
        "latitude": "23.9318",
        "size_value": "300",
        "size_unit": "kW",
        "crediting_start": "2023-07-01",
        "crediting_end": "2033-06-30",
        "status": PartnerProjectStatus.REGISTERED,
    }
    fields.update(changes)
    return ProjectSubmission(**fields)  # type: ignore[arg-type]


def test_hechi_agreement_and_crosswalk_load_strictly(standard: Standard) -> None:
    agreement = standard.agreement(HECHI)
    assert agreement is not None
    assert (agreement.region.gbt2260_prefix, agreement.region.iso_3166_2) == ("4512", "CN-GX")
    assert agreement.origin_serial_format is None
    assert agreement.source_cancellation_deadline_days is None
    assert agreement.project_review == "bureau"
    assert {r.partner_methodology for r in agreement.recognised} == {"HC-PV", "HC-FOREST-M"}
    pv = standard.crosswalk_entry(HECHI, "HC-PV")
    forest = standard.crosswalk_entry(HECHI, "HC-FOREST-M")
    assert pv is not None and forest is not None
    assert (pv.methodology, pv.factor_regions) == ("SZ-PV", {"grid_ef": "CN-GX"})
    assert (forest.methodology, forest.variant) == ("HUB-INTERIM-FOREST-SINK", "management")
    excluded = standard.exclusion(HECHI, "HC-HYDRO")
    assert excluded is not None and "hydropower" in excluded.reason


def test_guangxi_reads_the_southern_grid_value_and_a_provisional_sink_rate(
    standard: Standard,
) -> None:
    # Guangxi lies in the China Southern grid: under the standard's one
    # provincial-versus-regional rule its PV reads the grid's 2022 value
    # (0.3869), not Guangxi's own provincial average (0.4044).
    grid = standard.factor_value("grid_ef", "CN-GX", 2024)
    assert grid is not None
    assert (grid.region, grid.value.value, grid.value.year, grid.value.provisional) == (
        "CN-SOUTHERN-GRID",
        Decimal("0.3869"),
        2022,
        False,
    )
    sink = standard.factor_value("forest_sink_rate", "CN-GX", 2023, "management")
    assert sink is not None
    assert sink.value.provisional and "assumed" in sink.value.source


def test_hechi_pv_is_recomputed_at_the_southern_grid_factor_and_credits_the_lower(
    standard: Standard,
) -> None:
    # The sample's July 2024 row: 33,600 kWh, 13.5 t reported. At the Southern
    # grid's 2022 factor 33,600 x 0.3869 / 1000 = 12.99984 t, below the report
    # (at Guangxi's own 0.4044 it was 13.5878 t, and 13.5 was credited).
    assessed = assess_project(_project("451228"), standard)
    assert assessed.project is not None
    project = replace(assessed.project, review_state=ProjectReviewState.APPROVED)
    claim = ClaimSubmission(
        partner=HECHI,
        delivery_id="HC-20241105-01",
        record_id="HC-JC-2024-0001",
        partner_methodology="HC-PV",
        period_start="2024-07-01",
        period_end="2024-07-31",
        time_zone="Asia/Shanghai",
        activity_quantity="33600",
        activity_unit="kWh",
        project_id="HC-PV-2023-001",
        region_code="451228",
        reported_tco2e="13.5",
    )
    a = assess_claim(claim, standard, project, datetime(2024, 11, 5, tzinfo=UTC))
    assert decide(a.checks) is Decision.ACCEPTED, a.checks
    assert a.normalised is not None
    assert a.normalised.recomputed_tco2e == Decimal("12.999840")
    assert a.normalised.credited_tco2e == Decimal("12.999840")
    (factor,) = a.normalised.trace.factors
    assert (factor.region, factor.value, factor.year) == (
        "CN-SOUTHERN-GRID",
        Decimal("0.3869"),
        2022,
    )


def test_a_site_in_hechi_registers_and_one_elsewhere_in_guangxi_is_outside(
    standard: Standard,
) -> None:
    inside = assess_project(_project("451228"), standard)
    assert inside.project is not None, inside.checks
    baise = assess_project(_project("451002"), standard)  # 百色市右江区
    assert baise.project is None
    assert "SITE_OUTSIDE_PARTNER_REGION" in {c.code for c in baise.checks}


def test_hechi_blocks_parse_back_with_their_gbt_origin() -> None:
    block = SerialRange(Series(HECHI, "SZ-PV", 2024, "HC-PV-2023-001"), 1, 13)
    assert block.serial == "SZCER-451200-SZ-PV-2024-HC-PV-2023-001-000001-000013"
    assert parse_serial(block.serial) == block


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ('"4510"', "must be the partner's GB/T 2260 code"),  # Baise's prefix under Hechi's code
        ('"451"', "region.gbt2260_prefix"),  # not 2, 4 or 6 digits
    ],
)
def test_a_prefecture_partner_whose_prefix_is_not_its_code_is_refused(
    copy: Path, prefix: str, reason: str
) -> None:
    agreement = copy / "agreements" / f"{HECHI}.yaml"
    edit(agreement, 'gbt2260_prefix: "4512"', f"gbt2260_prefix: {prefix}")
    with pytest.raises(StandardError) as refused:
        load_standard(copy)
    assert f"agreements/{HECHI}.yaml" in str(refused.value)
    assert reason in str(refused.value)


def test_an_iso_partner_still_must_match_its_iso_code(copy: Path) -> None:
    edit(copy / "agreements" / "CN-GD.yaml", "iso_3166_2: CN-GD", "iso_3166_2: CN-GX")
    with pytest.raises(StandardError) as refused:
        load_standard(copy)
    assert "must equal the partner code" in str(refused.value)
