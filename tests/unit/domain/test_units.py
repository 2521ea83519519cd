from __future__ import annotations

from decimal import Decimal

import pytest

from hub.domain import units


def test_energy_mass_area_conversions_are_exact() -> None:
    assert units.convert(Decimal("1.5"), "MWh", "kWh") == Decimal(1500)
    assert units.convert(Decimal(250), "kg", "t") == Decimal("0.25")
    assert units.convert(Decimal("0.25"), "t", "kg") == Decimal(250)
    assert units.convert(Decimal(1), "MW", "kW") == Decimal(1000)


def test_fifteen_mu_make_one_hectare() -> None:
    assert units.convert(Decimal(15), "mu", "ha") == Decimal(1)
    assert units.convert(Decimal(1500), "mu", "ha") == Decimal(100)
    assert units.convert(Decimal(2), "ha", "mu") == Decimal(30)


def test_a_persons_km_is_passenger_km() -> None:
    assert units.convert(Decimal(12), "km", "pkm") == Decimal(12)


def test_incompatible_or_unknown_units_raise() -> None:
    assert not units.convertible("kWh", "kg")
    with pytest.raises(ValueError):
        units.convert(Decimal(1), "kWh", "kg")
    with pytest.raises(ValueError):
        units.convert(Decimal(1), "lb", "kg")
    assert not units.is_known("千瓦时")  # adapters map names to codes first
