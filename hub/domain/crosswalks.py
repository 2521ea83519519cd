"""A partner's crosswalk as the domain reads it: its methodologies in Shenzhen's terms.

Each partner methodology the hub credits maps to one Shenzhen methodology,
either recomputed with the Shenzhen formula over the partner's activity data
(``recompute``) or credited from the partner's reported tCO2e less a
discount (``reported_only``). A partner methodology deliberately left out is
listed with the reason (an ``Exclusion``). hub.standard validates the
crosswalks/*.yaml files and hands them to the domain as these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.domain.methodologies import Basis
from hub.domain.sourced import Sourced


class Mode(StrEnum):
    RECOMPUTE = "recompute"  # Shenzhen formula over the activity data, origin factors
    REPORTED_ONLY = "reported_only"  # the partner's reported tCO2e, discounted


@dataclass(frozen=True, slots=True, kw_only=True)
class CrosswalkEntry:
    partner_methodology: str
    name: str
    methodology: str  # the Shenzhen methodology's id
    mode: Mode
    basis: Basis | None  # None: the methodology's basis
    units: list[str] | None  # None: the methodology's accepted units
    # factor id -> region its values are taken from (else the factor's default)
    factor_regions: dict[str, str]
    # utility -> factor id -> region, where the claim's utility picks the region
    factor_regions_by_utility: dict[str, dict[str, str]]
    variant: str | None  # the variant of a factor that varies by crosswalk
    discount: Sourced | None  # the share deducted; set for every reported_only entry
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Exclusion:
    """A partner methodology deliberately not crosswalked, and why."""

    partner_methodology: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Crosswalk:
    partner: str
    source: str
    provisional: bool
    entries: list[CrosswalkEntry]
    excluded: list[Exclusion]
