"""Project boundaries read and compared with shapely (implements BoundaryGeometry).

A partner gives a parcel's boundary as GeoJSON (a Polygon or MultiPolygon
geometry, or a Feature holding one; RFC 7946: longitude, latitude) or as WKT
(POLYGON or MULTIPOLYGON, longitude first), in WGS 84 (EPSG:4326) or
CGCS2000 (EPSG:4490), China's geodetic system. The two frames agree to a few
centimetres, far below any threshold the hub applies, so coordinates in
either are compared as they are. Chinese web-map systems (GCJ-02, BD-09)
are offset by hundreds of metres and are refused: converting them is not
the hub's job and cannot be done exactly.

Areas are computed on a local equirectangular projection around the
geometry's centre (x = R cos(lat0) lon, y = R lat): for a parcel a few
kilometres across it errs by well under 0.1%, far below the overlap
threshold, and needs no projection library.
"""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from hub.domain.asset_matching import BBox
from hub.services.boundary_port import Boundary, BoundaryRefused

_EARTH_RADIUS_M = 6_371_008.8
_CRS = {
    "": "EPSG:4326",
    "WGS84": "EPSG:4326",
    "WGS 84": "EPSG:4326",
    "EPSG:4326": "EPSG:4326",
    "CGCS2000": "EPSG:4490",
    "EPSG:4490": "EPSG:4490",
}
# Enough for a parcel surveyed vertex by vertex; a bound on the work one
# registration can ask of the hub.
MAX_VERTICES = 20_000
_HA = Decimal("0.0001")


class ShapelyBoundaries:
    def parse(self, text: str, crs: str) -> Boundary:
        canonical_crs = _CRS.get(crs.strip().upper())
        if canonical_crs is None:
            raise BoundaryRefused(
                f"coordinate reference system {crs!r} is not accepted: "
                "WGS 84 (EPSG:4326) or CGCS2000 (EPSG:4490); GCJ-02 and BD-09 are not"
            )
        geometry = _read(text.strip())
        if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:
            raise BoundaryRefused(
                f"a boundary is a Polygon or MultiPolygon, not {geometry.geom_type}"
            )
        if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
            raise BoundaryRefused(f"a boundary has at most {MAX_VERTICES} vertices")
        if shapely.has_z(geometry):
            geometry = shapely.force_2d(geometry)
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise BoundaryRefused("coordinates are longitude, latitude in degrees")
        if not geometry.is_valid:
            raise BoundaryRefused(f"the polygon is not valid: {shapely.is_valid_reason(geometry)}")
        area = _area_ha(geometry)
        if area <= 0:
            raise BoundaryRefused("the polygon encloses no area")
        return Boundary(
            wkt=shapely.to_wkt(geometry, rounding_precision=-1, trim=True),
            crs=canonical_crs,
            area_ha=area,
            bbox=BBox(min_lon, min_lat, max_lon, max_lat),
        )

    def overlap_ha(self, a: Boundary, b: Boundary) -> Decimal:
        shared = shapely.intersection(shapely.from_wkt(a.wkt), shapely.from_wkt(b.wkt))
        if shared.is_empty:
            return Decimal(0)
        return _area_ha(shared)


def _read(text: str) -> BaseGeometry:
    if not text:
        raise BoundaryRefused("the boundary is empty")
    if text.startswith("{"):
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            raise BoundaryRefused(f"not GeoJSON: {exc.args[0]}") from None
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict):
            raise BoundaryRefused("GeoJSON must be a geometry or a Feature holding one")
        try:
            return shape(data)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            raise BoundaryRefused(f"not a GeoJSON geometry: {exc}") from None
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise BoundaryRefused(f"not WKT: {exc}") from None


def _area_ha(geometry: BaseGeometry) -> Decimal:
    centre = geometry.centroid
    lat0 = math.radians(centre.y)
    scale_x = _EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180
    scale_y = _EARTH_RADIUS_M * math.pi / 180

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        scaled: NDArray[np.float64] = coords * np.array([scale_x, scale_y])
        return scaled

    metres = shapely.transform(geometry, project)
    return (Decimal(repr(metres.area)) / 10_000).quantize(_HA, rounding=ROUND_HALF_EVEN)
