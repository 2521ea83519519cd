"""Emission factors as the domain reads them, and the value chosen for one claim.

The standard's factors.yaml gives each factor's values by region, year and,
for some factors, a variant (the material recycled, the forest type). The
normalisation (hub.domain.normalisation) asks the loaded standard for the
value of the claim's place and vintage and records it, with its source, in
the claim's trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class VariantBy(StrEnum):
    """What picks a factor's variant, for factors that have variants."""

    MATERIAL = "material"  # the claim's material picks the value (recycling)
    CROSSWALK = "crosswalk"  # the crosswalk entry's variant picks it (forest type)


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorValue:
    """One value of a factor: for a region, from a year (None: any year), of a variant."""

    region: str
    year: int | None
    variant: str | None
    value: Decimal
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor:
    id: str
    name_zh: str
    name_en: str
    unit: str
    default_region: str | None
    variant_by: VariantBy | None  # None: the factor has no variants
    values: list[FactorValue]
    # The standard's rule for where a place's value is read (grid_ef: a
    # province's activity reads its regional grid's value). A region named
    # here holds no values of its own, so one rule serves every partner,
    # whichever region its crosswalk names.
    read_from: Mapping[str, str] = field(default_factory=dict)

    def region_read(self, region: str) -> str:
        """The region whose values stand for ``region`` under the read_from rule."""
        return self.read_from.get(region, region)


@dataclass(frozen=True, slots=True)
class FactorLookup:
    """A factor value chosen for one region, year and variant."""

    factor: Factor
    value: FactorValue
    region: str
    requested_year: int

    @property
    def fell_back(self) -> bool:
        """True when an earlier year's value stands in for the requested year."""
        return self.value.year is not None and self.value.year != self.requested_year
