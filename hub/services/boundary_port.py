"""The port through which services read project boundaries (polygons).

Geometry is a library's job (hub.geometry implements this port with
shapely); the domain receives only what it decides on: a boundary's box and
area, and the hectares two boundaries share.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from hub.domain.asset_matching import BBox


class BoundaryRefused(ValueError):
    """A boundary the hub cannot use; ``reason`` says why, for the partner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Boundary:
    wkt: str  # canonical WKT, longitude before latitude, as stored
    crs: str  # EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000)
    area_ha: Decimal
    bbox: BBox


class BoundaryGeometry(Protocol):
    def parse(self, text: str, crs: str) -> Boundary:
        """The boundary a partner sent (GeoJSON or WKT) or the hub stored (WKT).

        Raises BoundaryRefused with the reason when it is not a valid polygon
        in an accepted coordinate reference system."""
        ...

    def overlap_ha(self, a: Boundary, b: Boundary) -> Decimal:
        """The area, in hectares, that both boundaries cover."""
        ...
