"""Asset fingerprints: one asset however a registry writes it; distinct assets apart."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.asset_fingerprints import (
    CELL_DEGREES,
    AssetFingerprint,
    fingerprint,
    parse_key,
)

latitudes = st.decimals(min_value=-89, max_value=89, places=6)
longitudes = st.decimals(min_value=-179, max_value=179, places=6)
# Within one cell's size on each axis: two descriptions of one site.
offsets = st.decimals(min_value=-CELL_DEGREES, max_value=CELL_DEGREES, places=6)
kilowatts = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3)


def _pv(lat: Decimal, lon: Decimal, size: Decimal, unit: str = "kW") -> AssetFingerprint:
    found = fingerprint("SZ-PV", lat, lon, size, unit)
    assert found is not None
    return found


@given(latitudes, longitudes, offsets, offsets, kilowatts)
def test_nearby_descriptions_of_one_asset_match_both_ways(
    lat: Decimal, lon: Decimal, dlat: Decimal, dlon: Decimal, kw: Decimal
) -> None:
    a, b = _pv(lat, lon, kw), _pv(lat + dlat, lon + dlon, kw)
    assert b.key in a.match_keys()
    assert a.key in b.match_keys()


@given(latitudes, longitudes, kilowatts)
def test_the_unit_a_registry_writes_does_not_change_the_asset(
    lat: Decimal, lon: Decimal, kw: Decimal
) -> None:
    assert _pv(lat, lon, kw).key == _pv(lat, lon, kw / 1000, "MW").key


@given(st.integers(min_value=1, max_value=10**6))
def test_mu_and_hectares_name_one_forest(mu: int) -> None:
    in_mu = fingerprint("SZ-FOREST-SINK", Decimal("24.1"), Decimal("107.2"), Decimal(mu), "mu")
    in_ha = fingerprint(
        "SZ-FOREST-SINK",
        Decimal("24.1"),
        Decimal("107.2"),
        (Decimal(mu) / 15).quantize(Decimal("0.001")),
        "ha",
    )
    assert in_mu is not None and in_ha is not None
    assert in_mu.key == in_ha.key


@given(latitudes, longitudes, kilowatts, st.decimals(min_value=3, max_value=50, places=0))
def test_sites_three_cells_apart_are_distinct_assets(
    lat: Decimal, lon: Decimal, kw: Decimal, cells: Decimal
) -> None:
    far = _pv(lat, lon + cells * CELL_DEGREES, kw)
    assert far.key not in _pv(lat, lon, kw).match_keys()


def test_other_capacity_or_family_is_another_asset() -> None:
    plant = _pv(Decimal("23.1703"), Decimal("113.4526"), Decimal(380))
    bigger = _pv(Decimal("23.1703"), Decimal("113.4526"), Decimal(381))
    forest = fingerprint(
        "SZ-FOREST-SINK", Decimal("23.1703"), Decimal("113.4526"), Decimal(380), "ha"
    )
    assert forest is not None
    assert bigger.key not in plant.match_keys()
    assert forest.key not in plant.match_keys()


def test_a_size_in_no_capacity_unit_has_no_fingerprint() -> None:
    assert fingerprint("SZ-PV", Decimal(23), Decimal(113), Decimal(5), "kWh") is None


def test_neighbours_wrap_at_the_antimeridian() -> None:
    east = _pv(Decimal("10"), Decimal("179.999"), Decimal(5))
    west = _pv(Decimal("10"), Decimal("-179.999"), Decimal(5))
    assert west.key in east.match_keys()


@given(latitudes, longitudes, kilowatts)
def test_keys_read_back_as_the_fingerprint(lat: Decimal, lon: Decimal, kw: Decimal) -> None:
    asset = _pv(lat, lon, kw)
    assert parse_key(asset.key) == asset
    assert parse_key("not a key") is None
