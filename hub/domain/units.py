"""Canonical unit codes and exact conversions between them.

Adapters map a partner's unit *names* (千瓦时, 公斤, trips ...) to the codes
below; the hub converts between codes. Every conversion is an exact
decimal ratio, never a float.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class Dimension(StrEnum):
    ENERGY = "energy"
    PASSENGER_DISTANCE = "passenger_distance"
    COUNT = "count"
    MASS = "mass"
    AREA = "area"
    POWER = "power"


# code -> (dimension, how many base units one unit is). Base units: kWh,
# pkm, trip, kg, ha, kW.
_UNITS: dict[str, tuple[Dimension, Decimal]] = {
    "kWh": (Dimension.ENERGY, Decimal(1)),
    "MWh": (Dimension.ENERGY, Decimal(1000)),
    # One person travelling one km is one passenger-km: a personal record's
    # km is that person's pkm. Project-level vehicle-km are not accepted by
    # any passenger methodology, so the equivalence cannot mislead.
    "pkm": (Dimension.PASSENGER_DISTANCE, Decimal(1)),
    "km": (Dimension.PASSENGER_DISTANCE, Decimal(1)),
    "trip": (Dimension.COUNT, Decimal(1)),
    "kg": (Dimension.MASS, Decimal(1)),
    "t": (Dimension.MASS, Decimal(1000)),
    "ha": (Dimension.AREA, Decimal(1)),
    # 15 亩 = 1 公顷 (exactly; the ratio is applied by division, see convert).
    "mu": (Dimension.AREA, Decimal(1)),
    "kW": (Dimension.POWER, Decimal(1)),
    "MW": (Dimension.POWER, Decimal(1000)),
    # PV registries size a plant by its modules' peak (DC, kWp) or its
    # inverters' rating (AC, kW); both are power, one unit family for the
    # asset matching (hub.domain.asset_matching).
    "kWp": (Dimension.POWER, Decimal(1)),
    "MWp": (Dimension.POWER, Decimal(1000)),
}

# Units whose base ratio is a division (1 mu = 1/15 ha is not a finite decimal).
_DIVISORS: dict[str, Decimal] = {"mu": Decimal(15)}

# Activity units a claim may carry (the proto's list); kW/MW only size projects.
ACTIVITY_UNITS: frozenset[str] = frozenset(
    {"kWh", "MWh", "pkm", "km", "trip", "kg", "t", "ha", "mu"}
)
SIZE_UNITS: frozenset[str] = frozenset({"kW", "MW", "kWp", "MWp", "ha", "mu"})
ALL_UNITS: frozenset[str] = frozenset(_UNITS)


def is_known(code: str) -> bool:
    return code in _UNITS


def dimension(code: str) -> Dimension | None:
    entry = _UNITS.get(code)
    return entry[0] if entry else None


def convertible(from_unit: str, to_unit: str) -> bool:
    a, b = _UNITS.get(from_unit), _UNITS.get(to_unit)
    return a is not None and b is not None and a[0] == b[0]


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """``value`` in ``from_unit`` expressed in ``to_unit``.

    Raises ValueError when either unit is unknown or the dimensions differ.
    """
    if from_unit == to_unit:
        return value
    if not convertible(from_unit, to_unit):
        raise ValueError(f"cannot convert {from_unit} to {to_unit}")
    base = value * _UNITS[from_unit][1]
    if from_unit in _DIVISORS:
        base = base / _DIVISORS[from_unit]
    result = base / _UNITS[to_unit][1]
    if to_unit in _DIVISORS:
        result = result * _DIVISORS[to_unit]
    return result
