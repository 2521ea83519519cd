"""Registering a project that describes an asset registered already: rounded
capacities, a sub-parcel of a forest with and without boundaries."""

from __future__ import annotations

import json
import math

import pytest

from carbonhub_contract.vocabulary.records import Decision, ProjectSubmission
from hub.standard import Standard

from .builders import PARTNER, PROJECT_ID, pv_project
from .ledger_setup import Ledger, make_ledger

LAT, LON = 23.5, 113.5
# Degrees of one metre at LAT (the hub's areas are on the mean Earth radius).
M_LAT = 1 / (math.pi * 6_371_008.8 / 180)
M_LON = M_LAT / math.cos(math.radians(LAT))


def square(west_m: float, south_m: float, side_m: float) -> list[tuple[float, float]]:
    """A square's corners (lon, lat), its south-west corner the given metres from (LON, LAT)."""
    x0, y0 = LON + west_m * M_LON, LAT + south_m * M_LAT
    x1, y1 = x0 + side_m * M_LON, y0 + side_m * M_LAT
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def wkt(corners: list[tuple[float, float]]) -> str:
    return "POLYGON((" + ", ".join(f"{x!r} {y!r}" for x, y in corners) + "))"


def geojson(corners: list[tuple[float, float]]) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[list(c) for c in corners]]})


FOREST_SIDE = math.sqrt(1200 * 10_000)  # 1,200 ha
QUARTER_SIDE = FOREST_SIDE / 2  # 300 ha


def forest(
    project_id: str, ha: str, centre_m: tuple[float, float], **changes: str
) -> ProjectSubmission:
    east, north = centre_m
    return pv_project(
        project_id=project_id,
        name="河源市东源县生态公益林",
        partner_methodology="GD-FOREST-P",
        size_value=ha,
        size_unit="ha",
        longitude=f"{LON + east * M_LON:.6f}",
        latitude=f"{LAT + north * M_LAT:.6f}",
        **changes,
    )


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard, register_project=False)


def test_a_pv_roof_re_registered_at_380_5_kw_is_held_naming_the_earlier_project(
    ledger: Ledger,
) -> None:
    ledger.projects.register(PARTNER, [pv_project()])  # 380 kW
    (again,) = ledger.projects.register(
        PARTNER, [pv_project(project_id="4401-PV-2025-0031", size_value="380.5", size_unit="kWp")]
    )
    assert again.decision is Decision.HELD
    (check,) = [c for c in again.checks if c.code == "ASSET_ALREADY_REGISTERED"]
    assert (check.details["other_partner"], check.details["other_project_id"]) == (
        PARTNER,
        PROJECT_ID,
    )
    assert check.details["capacity"] == "380.5 kW"
    assert check.details["capacity_difference_percent"] == "0.13"


def test_a_roof_of_another_size_nearby_is_registered(ledger: Ledger) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    (other,) = ledger.projects.register(
        PARTNER, [pv_project(project_id="4401-PV-2025-0032", size_value="450")]
    )
    assert (other.decision, other.checks) == (Decision.ACCEPTED, ())


def test_a_300_ha_sub_parcel_of_a_1200_ha_forest_is_held_by_its_boundary(
    ledger: Ledger,
) -> None:
    half = FOREST_SIDE / 2
    (whole,) = ledger.projects.register(
        PARTNER,
        [forest("GD-FOREST-1", "1200", (half, half), boundary=wkt(square(0, 0, FOREST_SIDE)))],
    )
    assert whole.decision is Decision.ACCEPTED
    # The south-west quarter, registered again by its own id, in GeoJSON and CGCS2000.
    quarter = square(0, 0, QUARTER_SIDE)
    (part,) = ledger.projects.register(
        PARTNER,
        [
            forest(
                "GD-FOREST-2",
                "300",
                (QUARTER_SIDE / 2, QUARTER_SIDE / 2),
                boundary=geojson(quarter),
                boundary_crs="CGCS2000",
            )
        ],
    )
    assert part.decision is Decision.HELD
    (check,) = [c for c in part.checks if c.code == "ASSET_BOUNDARY_OVERLAP"]
    assert check.details["other_project_id"] == "GD-FOREST-1"
    assert check.details["overlap_percent"] == "100.0"
    assert 299 < float(check.details["overlap_ha"]) <= 300.01


def test_a_neighbouring_parcel_sharing_an_edge_is_registered(ledger: Ledger) -> None:
    half = FOREST_SIDE / 2
    ledger.projects.register(
        PARTNER,
        [forest("GD-FOREST-1", "1200", (half, half), boundary=wkt(square(0, 0, FOREST_SIDE)))],
    )
    east = square(FOREST_SIDE, 0, FOREST_SIDE)
    (beside,) = ledger.projects.register(
        PARTNER,
        [forest("GD-FOREST-3", "1200", (FOREST_SIDE + half, half), boundary=wkt(east))],
    )
    assert (beside.decision, beside.checks) == (Decision.ACCEPTED, ())


def test_without_a_boundary_a_nearby_parcel_is_held_for_review(ledger: Ledger) -> None:
    half = FOREST_SIDE / 2
    ledger.projects.register(
        PARTNER,
        [forest("GD-FOREST-1", "1200", (half, half), boundary=wkt(square(0, 0, FOREST_SIDE)))],
    )
    (part,) = ledger.projects.register(
        PARTNER, [forest("GD-FOREST-2", "300", (QUARTER_SIDE / 2, QUARTER_SIDE / 2))]
    )
    assert part.decision is Decision.HELD
    (check,) = [c for c in part.checks if c.code == "ASSET_OVERLAP_UNRESOLVED"]
    assert (check.details["other_project_id"], check.details["without_boundary"]) == (
        "GD-FOREST-1",
        "this project",
    )


@pytest.mark.parametrize(
    ("boundary", "crs", "reason"),
    [
        ("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", "WGS84", "not valid: Self-intersection"),
        ("POINT(113.5 23.5)", "", "not Point"),
        ("POLYGON((113.5 23.5, 113.6 23.5, 113.6 23.6, 113.5 23.5))", "GCJ-02", "GCJ-02"),
        ("{not json", "", "not GeoJSON"),
    ],
)
def test_a_boundary_the_hub_cannot_use_is_refused(
    ledger: Ledger, boundary: str, crs: str, reason: str
) -> None:
    (result,) = ledger.projects.register(
        PARTNER, [forest("GD-FOREST-9", "300", (0, 0), boundary=boundary, boundary_crs=crs)]
    )
    assert result.decision is Decision.REJECTED
    (check,) = [c for c in result.checks if c.code == "BOUNDARY_INVALID"]
    assert reason in check.details["reason"] and check.details["field"] == "boundary"


def test_a_boundary_on_a_roof_is_refused(ledger: Ledger) -> None:
    (result,) = ledger.projects.register(PARTNER, [pv_project(boundary=wkt(square(0, 0, 50)))])
    assert result.decision is Decision.REJECTED
    assert "sized by area, not in kW" in result.checks[0].details["reason"]


def test_a_parcel_whose_boundary_encloses_another_area_is_held(ledger: Ledger) -> None:
    # Declared 300 ha, its boundary encloses 1,200 ha.
    (result,) = ledger.projects.register(
        PARTNER,
        [forest("GD-FOREST-5", "300", (0, 0), boundary=wkt(square(0, 0, FOREST_SIDE)))],
    )
    assert result.decision is Decision.HELD
    (check,) = result.checks
    assert check.code == "BOUNDARY_AREA_MISMATCH"
    assert (check.details["declared"], check.details["difference_percent"]) == ("300 ha", "75.0")
