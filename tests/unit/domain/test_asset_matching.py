"""Asset matching with tolerance: rounded capacities, moved points, nested parcels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.asset_matching import (
    AssetSite,
    BBox,
    Thresholds,
    match_keys,
    matches,
    site_of,
    stored_keys,
)

THRESHOLDS = Thresholds(Decimal("0.05"), Decimal(1000), Decimal("0.01"), Decimal("0.1"))
LAT, LON = Decimal("23.1703"), Decimal("113.4526")


def roof(
    project_id: str, size: str, unit: str = "kW", lat: Decimal = LAT, lon: Decimal = LON
) -> AssetSite:
    site = site_of("CN-GD", project_id, "SZ-PV", lat, lon, Decimal(size), unit)
    assert site is not None
    return site


def parcel(project_id: str, ha: str, lat: str, lon: str, bbox: BBox | None = None) -> AssetSite:
    site = site_of(
        "451200", project_id, "SZ-FOREST-SINK", Decimal(lat), Decimal(lon), Decimal(ha), "ha", bbox
    )
    assert site is not None
    return site


@pytest.mark.parametrize(
    ("size", "unit"), [("380.5", "kW"), ("380.5", "kWp"), ("0.38", "MW"), ("0.3805", "MWp")]
)
def test_a_re_registered_roof_matches_whatever_its_rounding_and_unit(size: str, unit: str) -> None:
    (check,) = matches(roof("NEW", size, unit), [roof("EARLIER", "380")], THRESHOLDS, {})
    assert check.code == "ASSET_ALREADY_REGISTERED"
    assert (check.details["other_project_id"], check.details["matches"]) == (
        "EARLIER",
        "CN-GD/EARLIER",
    )
    assert check.details["other_capacity"] == "380 kW"


def test_a_roof_of_another_size_or_far_away_is_another_asset() -> None:
    earlier = [roof("EARLIER", "380")]
    assert matches(roof("BIGGER", "420"), earlier, THRESHOLDS, {}) == []  # 9.5% larger
    # 0.02 degrees of latitude north: about 2.2 km.
    far = roof("FAR", "380", lat=LAT + Decimal("0.02"))
    assert matches(far, earlier, THRESHOLDS, {}) == []


def test_a_moved_point_within_the_distance_matches() -> None:
    # 0.008 degrees east at 23 N: about 820 m, across a grid cell.
    moved = roof("MOVED", "380", lon=LON + Decimal("0.008"))
    (check,) = matches(moved, [roof("EARLIER", "380")], THRESHOLDS, {})
    assert 800 <= int(check.details["distance_m"]) <= 840


def test_the_keys_a_roof_is_found_under_are_among_those_a_near_roof_looks_in() -> None:
    earlier = roof("EARLIER", "380")
    for dlat, dlon in ((Decimal("0.008"), 0), (0, Decimal("0.0095")), (Decimal("-0.006"), 0)):
        near = roof("NEAR", "380", lat=LAT + dlat, lon=LON + dlon)
        assert set(stored_keys(earlier)) & set(match_keys(near, THRESHOLDS))


# A square of 1,200 ha at 24.7 N, 108.0 E (Hechi), and its south-west quarter.
SIDE_LAT = 0.031153
SIDE_LON = 0.034291
FOREST_BOX = BBox(108.0, 24.7, 108.0 + SIDE_LON, 24.7 + SIDE_LAT)
QUARTER_BOX = BBox(108.0, 24.7, 108.0 + SIDE_LON / 2, 24.7 + SIDE_LAT / 2)


def test_a_sub_parcel_inside_a_registered_forest_matches_by_its_boundary() -> None:
    forest = parcel("FOREST", "1200", "24.7156", "108.0171", FOREST_BOX)
    part = parcel("PART", "300", "24.7078", "108.0086", QUARTER_BOX)
    (check,) = matches(part, [forest], THRESHOLDS, {"451200/FOREST": Decimal("299.98")})
    assert check.code == "ASSET_BOUNDARY_OVERLAP"
    assert (check.details["overlap_ha"], check.details["overlap_percent"]) == ("299.98", "100.0")
    assert set(stored_keys(forest)) & set(match_keys(part, THRESHOLDS))


def test_neighbouring_parcels_sharing_an_edge_do_not_match() -> None:
    forest = parcel("FOREST", "1200", "24.7156", "108.0171", FOREST_BOX)
    beside = parcel("BESIDE", "1200", "24.7156", "108.0514", FOREST_BOX)
    # A digitising sliver of 2 ha is under 1% of either parcel.
    assert matches(beside, [forest], THRESHOLDS, {"451200/FOREST": Decimal(2)}) == []


def test_without_a_boundary_nearby_parcels_are_held_by_their_areas() -> None:
    forest = parcel("FOREST", "1200", "24.7156", "108.0171", FOREST_BOX)
    # The quarter's point 1.2 km from the forest's: their discs (1.95 km and
    # 0.98 km radius) overlap.
    part = parcel("PART", "300", "24.7078", "108.0086")
    (check,) = matches(part, [forest], THRESHOLDS, {})
    assert check.code == "ASSET_OVERLAP_UNRESOLVED"
    assert check.details["without_boundary"] == "this project"
    assert int(check.details["distance_m"]) < int(check.details["reach_m"])
    # 10 km away, no disc reaches the other.
    away = parcel("AWAY", "300", "24.8056", "108.0171")
    assert matches(away, [forest], THRESHOLDS, {}) == []


def test_a_forest_and_a_roof_are_never_one_asset() -> None:
    forest = parcel("FOREST", "1200", str(LAT), str(LON))
    assert matches(roof("ROOF", "380"), [forest], THRESHOLDS, {}) == []
    assert matches(forest, [roof("ROOF", "380")], THRESHOLDS, {}) == []


# Whatever the rules match, the index finds: a registration guards and reads
# every key under which a project it would match is stored.
_OFFSET = st.floats(min_value=-0.03, max_value=0.03, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(min_value=-60, max_value=60, allow_nan=False),
    lon=st.floats(min_value=-179, max_value=179, allow_nan=False),
    dlat=_OFFSET,
    dlon=_OFFSET,
    area=st.sampled_from(["", "1", "300", "1200", "100000"]),
)
def test_every_match_shares_an_index_key(
    lat: float, lon: float, dlat: float, dlon: float, area: str
) -> None:
    unit, size, family = ("ha", area, "SZ-FOREST-SINK") if area else ("kW", "380", "SZ-PV")

    def at(project_id: str, la: float, lo: float) -> AssetSite:
        site = site_of(
            "P", project_id, family, Decimal(repr(la)), Decimal(repr(lo)), Decimal(size), unit
        )
        assert site is not None
        return site

    earlier, new = at("EARLIER", lat, lon), at("NEW", lat + dlat, lon + dlon)
    if matches(new, [earlier], THRESHOLDS, {}):
        assert set(stored_keys(earlier)) & set(match_keys(new, THRESHOLDS))
