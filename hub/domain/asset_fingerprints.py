"""Which physical asset a project is: methodology family, location cell, capacity.

Two partners (or one partner twice, under two project ids) must not register
the same rooftop plant or forest: the hub would credit it twice. Registries
describe one asset differently (MW or kW, 亩 or ha, coordinates with 4 or 6
decimals, a gate or a roof corner), so the fingerprint is coarse where the
descriptions differ and exact where they agree:

* methodology family: the Shenzhen methodology the partner's methodology maps
  to, by its first id (GD-FOREST-P and GD-FOREST-M both map to
  HUB-INTERIM-FOREST-SINK, formerly SZ-FOREST-SINK: one forest, family
  SZ-FOREST-SINK before and after the rename);
* location cell: a grid of CELL_DEGREES, matched with its 8 neighbours;
* capacity: the size in its dimension's canonical unit (kW, ha), quantised.

A match only holds the registration for the bureau's review (it is never a
rejection), so erring towards a match costs a reviewer a look, not a project.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from hub.domain import units

# 0.01 degree is about 1.1 km north-south and 1.0 km east-west at Guangdong's
# and Hong Kong's latitudes (22-25 N). Chinese maps publish GCJ-02
# coordinates, offset from WGS-84 by a few hundred metres, and registries
# locate a plant at its gate, its roof or its centroid: two descriptions of
# one asset lie within a few hundred metres, which one cell and its
# neighbours always cover (any two points at most one cell apart on each
# axis are neighbours). A finer grid would miss those; a coarser one would
# put a whole industrial park's roofs of equal capacity into one match.
CELL_DEGREES = Decimal("0.01")

# Capacity resolution in the canonical unit: 1 W, or 10 m² of land. 100 mu is
# 6.666... ha, not a finite decimal: quantising makes it equal to 6.667 ha.
CAPACITY_QUANTUM = Decimal("0.001")

_CANONICAL_UNIT = {units.Dimension.POWER: "kW", units.Dimension.AREA: "ha"}
_LONGITUDE_CELLS = int(Decimal(360) / CELL_DEGREES)


@dataclass(frozen=True, slots=True, order=True)
class Cell:
    """A grid cell: floor(latitude / CELL_DEGREES), floor(longitude / CELL_DEGREES)."""

    row: int
    column: int

    def neighbourhood(self) -> tuple[Cell, ...]:
        """The cell and its 8 neighbours (longitude wraps at the antimeridian)."""
        half = _LONGITUDE_CELLS // 2
        return tuple(
            Cell(self.row + dr, (self.column + dc + half) % _LONGITUDE_CELLS - half)
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
        )


@dataclass(frozen=True, slots=True)
class AssetFingerprint:
    family: str
    cell: Cell
    capacity: Decimal  # in unit, quantised to CAPACITY_QUANTUM
    unit: str

    @property
    def key(self) -> str:
        """The stored, indexed form: equal keys, same asset description."""
        return f"{self.family}|{self.cell.row}:{self.cell.column}|{self.capacity}{self.unit}"

    def match_keys(self) -> tuple[str, ...]:
        """Keys of every fingerprint this asset matches: its own cell and the
        8 around it, same family and capacity. Sorted, so writers take the
        guards they imply in one order."""
        return tuple(
            sorted(
                AssetFingerprint(self.family, cell, self.capacity, self.unit).key
                for cell in self.cell.neighbourhood()
            )
        )


def parse_key(key: str) -> AssetFingerprint | None:
    """The fingerprint a stored key names; None when it is not one."""
    family, _, rest = key.partition("|")
    cell_text, _, capacity_text = rest.partition("|")
    row, _, column = cell_text.partition(":")
    unit = next((u for u in _CANONICAL_UNIT.values() if capacity_text.endswith(u)), None)
    try:
        cell = Cell(int(row), int(column))
        capacity = Decimal(capacity_text[: -len(unit)]) if unit else None
    except (ValueError, ArithmeticError):
        return None
    if not family or capacity is None or unit is None:
        return None
    return AssetFingerprint(family, cell, capacity, unit)


def cell_of(latitude: Decimal, longitude: Decimal) -> Cell:
    def index(value: Decimal) -> int:
        return int((value / CELL_DEGREES).to_integral_value(rounding=ROUND_FLOOR))

    column = index(longitude)
    half = _LONGITUDE_CELLS // 2
    return Cell(index(latitude), (column + half) % _LONGITUDE_CELLS - half)


def canonical_capacity(value: Decimal, unit: str) -> tuple[Decimal, str] | None:
    """The size in its dimension's canonical unit; None for a unit no asset is sized in."""
    dimension = units.dimension(unit)
    canonical = _CANONICAL_UNIT.get(dimension) if dimension is not None else None
    if canonical is None:
        return None
    converted = units.convert(value, unit, canonical)
    return converted.quantize(CAPACITY_QUANTUM, rounding=ROUND_HALF_EVEN).normalize(), canonical


def fingerprint(
    family: str, latitude: Decimal, longitude: Decimal, size: Decimal, unit: str
) -> AssetFingerprint | None:
    """The asset's fingerprint; None when its size is not in a capacity unit."""
    capacity = canonical_capacity(size, unit)
    if capacity is None:
        return None
    value, canonical = capacity
    # normalize() writes 1000 as 1E+3: the key must read the same however it was entered.
    plain = Decimal(f"{value:f}")
    return AssetFingerprint(family, cell_of(latitude, longitude), plain, canonical)
