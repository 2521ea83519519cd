"""Whether a new project describes an asset the hub already registered, with tolerance.

Registries describe one asset differently: a roof of 380 kW is 380.5 kWp in
another registry, a plant's point is its gate in one and its roof in the
other, and a forest of 1,200 ha is registered again as a 300 ha sub-parcel.
Exact fingerprints (hub.domain.asset_fingerprints) miss all of these. The
rules here compare two descriptions with the standard's thresholds
(standard.yaml ``asset_matching``, each with its source):

* generating assets (power: kW, kWp, MW, MWp, one unit family): the same
  methodology family, points within ``location_distance_m`` and capacities
  within ``capacity_tolerance`` of the larger -> ASSET_ALREADY_REGISTERED;
* area assets (forest and other parcels, ha or mu) with a boundary on both
  sides: the boundaries overlap by more than ``boundary_overlap_share`` of
  the smaller parcel -> ASSET_BOUNDARY_OVERLAP. The overlap is computed
  outside the domain (geometry is a library's job, hub.geometry) and passed
  in as hectares;
* area assets where either side has no boundary: each parcel is taken as the
  disc of its area around its point; discs closer than
  ``location_distance_m`` may overlap -> ASSET_OVERLAP_UNRESOLVED, for the
  bureau to compare on a map.

Every match HOLDS the registration for the bureau's review: a wrong match
costs a reviewer a look, a missed one a double issuance.

Candidates are found through index keys the database guards: a generating
asset is indexed by its fine grid cell and looks in the 8 around it; an
area asset by every coarse cell its footprint (boundary box, or disc plus
the distance) touches. Two registrations that could match share a key, so
the second waits for the first and then finds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from hub.domain import units
from hub.domain.asset_fingerprints import CELL_DEGREES, Cell, canonical_capacity, cell_of
from hub.domain.checks import CheckResult, fire

# Area footprints are indexed on a coarser grid (about 11 km): a forest of
# 100,000 ha touches about 16 cells of it, where the fine grid would need
# over a thousand keys.
AREA_CELL_DEGREES = Decimal("0.1")
_EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), for haversine distances
_METRES_PER_DEGREE = math.pi * _EARTH_RADIUS_M / 180
_M2_PER_HA = 10_000

ASSET_CHECK = "ASSET_ALREADY_REGISTERED"
OVERLAP_CHECK = "ASSET_BOUNDARY_OVERLAP"
UNRESOLVED_CHECK = "ASSET_OVERLAP_UNRESOLVED"
MATCH_CHECKS = (ASSET_CHECK, OVERLAP_CHECK, UNRESOLVED_CHECK, "PROJECT_IN_EXTERNAL_REGISTER")


@dataclass(frozen=True, slots=True)
class Thresholds:
    capacity_tolerance: Decimal  # share of the larger capacity, e.g. 0.05
    location_distance_m: Decimal
    boundary_overlap_share: Decimal  # share of the smaller parcel's area
    boundary_area_tolerance: Decimal  # share of a boundary's area its declared area may differ


@dataclass(frozen=True, slots=True)
class BBox:
    """A boundary's extent in degrees (WGS 84 / CGCS2000 longitude, latitude)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True, slots=True)
class AssetSite:
    """What the matching rules compare of one project."""

    partner: str
    project_id: str
    family: str  # the Shenzhen methodology
    latitude: Decimal
    longitude: Decimal
    size: Decimal  # in unit
    unit: str  # canonical: kW for power, ha for area
    boundary: BBox | None = None  # when the partner gave a boundary

    @property
    def is_area(self) -> bool:
        return units.dimension(self.unit) is units.Dimension.AREA

    @property
    def label(self) -> str:
        return f"{self.partner}/{self.project_id}"

    def without_boundary(self) -> AssetSite:
        """The same site compared by its point and area alone (a list without boundaries)."""
        return replace(self, boundary=None)


def site_of(
    partner: str,
    project_id: str,
    family: str,
    latitude: Decimal,
    longitude: Decimal,
    size: Decimal,
    unit: str,
    boundary: BBox | None = None,
) -> AssetSite | None:
    """The project as the rules compare it; None when its size is in no capacity unit."""
    canonical = canonical_capacity(size, unit)
    if canonical is None or size <= 0:
        return None
    value, canonical_unit = canonical
    # normalize() writes 380 as 3.8E+2: the size must read as a partner writes it.
    value = Decimal(f"{value:f}")
    return AssetSite(
        partner, project_id, family, latitude, longitude, value, canonical_unit, boundary
    )


# --- index keys -----------------------------------------------------------------


def _power_key(family: str, cell: Cell) -> str:
    return f"{family}|P|{cell.row}:{cell.column}"


def stored_keys(site: AssetSite) -> tuple[str, ...]:
    """The keys the project is found under (no threshold enters them, so a
    stored index stays right when the standard's thresholds change)."""
    if site.is_area:
        return _area_keys(site.family, footprint(site, 0.0))
    return (_power_key(site.family, cell_of(site.latitude, site.longitude)),)


def match_keys(site: AssetSite, thresholds: Thresholds) -> tuple[str, ...]:
    """The keys under which a project this one could match is stored. Sorted,
    so writers take the guards in one order."""
    distance = float(thresholds.location_distance_m)
    if site.is_area:
        # The stored footprint of any parcel the rules could match meets this
        # one widened by the distance: boxes of half-widths r1 + d and r2
        # meet on each axis when the points lie within r1 + r2 + d.
        return _area_keys(site.family, footprint(site, distance))
    # Every fine cell within the location distance (at least the 8 around).
    box = _widened(site, distance)
    low = cell_of(Decimal(repr(box.min_lat)), Decimal(repr(box.min_lon)))
    high = cell_of(Decimal(repr(box.max_lat)), Decimal(repr(box.max_lon)))
    cell = cell_of(site.latitude, site.longitude)
    keys = {_power_key(site.family, c) for c in cell.neighbourhood()}
    if high.column >= low.column:  # not across the antimeridian
        keys.update(
            _power_key(site.family, Cell(r, c))
            for r in range(low.row, high.row + 1)
            for c in range(low.column, high.column + 1)
        )
    return tuple(sorted(keys))


def _area_keys(family: str, box: BBox) -> tuple[str, ...]:
    step = float(AREA_CELL_DEGREES)
    rows = range(math.floor(box.min_lat / step), math.floor(box.max_lat / step) + 1)
    columns = range(math.floor(box.min_lon / step), math.floor(box.max_lon / step) + 1)
    return tuple(sorted(f"{family}|A|{r}:{c}" for r in rows for c in columns))


def footprint(site: AssetSite, margin_m: float) -> BBox:
    """Where an area asset may lie: the box of its boundary and of the disc of
    its area around its point, widened by ``margin_m``."""
    disc = _widened(site, _radius_m(site) + margin_m)
    if site.boundary is None:
        return disc
    box = site.boundary
    lat = (box.min_lat + box.max_lat) / 2
    dlat, dlon = _degrees(margin_m, lat)
    return BBox(
        min(disc.min_lon, box.min_lon - dlon),
        min(disc.min_lat, box.min_lat - dlat),
        max(disc.max_lon, box.max_lon + dlon),
        max(disc.max_lat, box.max_lat + dlat),
    )


def _degrees(metres: float, latitude: float) -> tuple[float, float]:
    dlat = metres / _METRES_PER_DEGREE
    return dlat, dlat / max(math.cos(math.radians(latitude)), 0.01)


def _widened(site: AssetSite, metres: float) -> BBox:
    lat, lon = float(site.latitude), float(site.longitude)
    dlat, dlon = _degrees(metres, lat)
    return BBox(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def _radius_m(site: AssetSite) -> float:
    return math.sqrt(float(site.size) * _M2_PER_HA / math.pi)


# --- the rules ------------------------------------------------------------------


def boundary_area_checks(
    declared_ha: Decimal, boundary_ha: Decimal, thresholds: Thresholds
) -> tuple[CheckResult, ...]:
    """A parcel whose declared area and boundary disagree beyond the tolerance."""
    difference = abs(declared_ha - boundary_ha)
    if boundary_ha <= 0 or difference <= thresholds.boundary_area_tolerance * boundary_ha:
        return ()
    share = (difference / boundary_ha * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    return (
        fire(
            "BOUNDARY_AREA_MISMATCH",
            field="size_value",
            declared=f"{declared_ha.normalize():f} ha",
            boundary_area=f"{boundary_ha.quantize(Decimal('0.01')):f} ha",
            difference_percent=share,
        ),
    )


def distance_m(a: AssetSite, b: AssetSite) -> float:
    """Great-circle distance of the two points (haversine on the mean radius)."""
    lat1, lat2 = math.radians(float(a.latitude)), math.radians(float(b.latitude))
    dlat = lat2 - lat1
    dlon = math.radians(float(b.longitude) - float(a.longitude))
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _metres(value: float) -> str:
    return str(round(value))


def power_match(new: AssetSite, other: AssetSite, thresholds: Thresholds) -> CheckResult | None:
    """The same generating asset: same family, near, capacity within tolerance."""
    if new.family != other.family or new.is_area or other.is_area:
        return None
    distance = distance_m(new, other)
    if distance > float(thresholds.location_distance_m):
        return None
    larger = max(new.size, other.size)
    difference = abs(new.size - other.size)
    if difference > thresholds.capacity_tolerance * larger:
        return None
    share = (difference / larger * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return fire(
        ASSET_CHECK,
        field="size_value",
        family=new.family,
        capacity=f"{new.size} {new.unit}",
        other_capacity=f"{other.size} {other.unit}",
        capacity_difference_percent=share,
        distance_m=_metres(distance),
        other_partner=other.partner,
        other_project_id=other.project_id,
        matches=other.label,
    )


def area_match(
    new: AssetSite, other: AssetSite, thresholds: Thresholds, overlap_ha: Decimal | None
) -> CheckResult | None:
    """The same parcel or part of it. ``overlap_ha`` is the boundaries'
    intersection when both sides have one, else None."""
    if new.family != other.family or not (new.is_area and other.is_area):
        return None
    if new.boundary is not None and other.boundary is not None:
        if overlap_ha is None:
            raise ValueError("both parcels have boundaries: their overlap is needed")
        smaller = min(new.size, other.size)
        if overlap_ha <= thresholds.boundary_overlap_share * smaller:
            return None
        share = (overlap_ha / smaller * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
        return fire(
            OVERLAP_CHECK,
            field="boundary",
            family=new.family,
            overlap_ha=overlap_ha.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN),
            overlap_percent=share,
            other_partner=other.partner,
            other_project_id=other.project_id,
            matches=other.label,
        )
    distance = distance_m(new, other)
    reach = _radius_m(new) + _radius_m(other) + float(thresholds.location_distance_m)
    if distance > reach:
        return None
    missing = (
        "both"
        if new.boundary is None and other.boundary is None
        else ("this project" if new.boundary is None else other.label)
    )
    return fire(
        UNRESOLVED_CHECK,
        field="boundary",
        family=new.family,
        area=f"{new.size} {new.unit}",
        other_area=f"{other.size} {other.unit}",
        distance_m=_metres(distance),
        reach_m=_metres(reach),
        without_boundary=missing,
        other_partner=other.partner,
        other_project_id=other.project_id,
        matches=other.label,
    )


def matches(
    new: AssetSite,
    others: list[AssetSite],
    thresholds: Thresholds,
    overlaps_ha: dict[str, Decimal],
) -> list[CheckResult]:
    """Every check the registered ``others`` raise against ``new`` (one per
    other project that matches). ``overlaps_ha`` by the other's label."""
    found: list[CheckResult] = []
    for other in others:
        if (other.partner, other.project_id) == (new.partner, new.project_id):
            continue
        if new.is_area:
            check = area_match(new, other, thresholds, overlaps_ha.get(other.label))
        else:
            check = power_match(new, other, thresholds)
        if check is not None:
            found.append(check)
    return found


__all__ = [
    "AREA_CELL_DEGREES",
    "CELL_DEGREES",
    "AssetSite",
    "BBox",
    "Thresholds",
    "match_keys",
    "matches",
    "site_of",
    "stored_keys",
]
