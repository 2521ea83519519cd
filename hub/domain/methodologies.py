"""A Shenzhen methodology as the domain reads it: what it credits and within which bounds.

The standard's methodologies.yaml states, per methodology, the dates it is
in force, the vintages it credits, whose activity it credits (its basis),
the units and inputs of its formula, and the bounds above which a claim is
held or refused. hub.standard validates the file and hands each methodology
to the domain as a ``Methodology``; the domain's checks
(hub.domain.methodology_dates, plausibility, the claim and project
assessments) and the normalisation read nothing else of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from hub.domain.sourced import Sourced, SourcedDay, SourcedInt


class Basis(StrEnum):
    """Whose activity a claim credits."""

    PROJECT = "project"  # a registered project claims (PV plant, forest parcel)
    PERSONAL = "personal"  # a person's behaviour (rides, household power)
    SITE = "site"  # an installation or outlet without a registered project


@dataclass(frozen=True, slots=True, kw_only=True)
class VintageWindow:
    """Which vintages (years of the monitoring period's end) a methodology credits."""

    first: int
    last: int | None  # None: open-ended
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PlausibleMax:
    """Above this activity a claim is held for review (not rejected)."""

    value: Decimal
    per_day: bool  # multiply by the calendar days of the period
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityBound:
    """Activity per unit of registered capacity per day, above which a claim is held.

    For generation, kWh per kW per day: the plant's full-load hours a day.
    """

    value: Decimal
    activity_unit: str  # the methodology's activity unit (kWh)
    capacity_unit: str  # one of the methodology's size units (kW)
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SizeLimit:
    """The largest project a methodology admits, in one of its size units."""

    value: Decimal
    unit: str
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditingOption:
    """One way a project may be credited: a period of ``years``, renewable ``renewals`` times.

    Each renewal adds at most one further period of the same length, counted
    from the crediting start; ``renewals`` 0 is a fixed period.
    """

    years: int
    renewals: int

    @property
    def longest_years(self) -> int:
        """The whole crediting period once every renewal is used."""
        return self.years * (1 + self.renewals)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditingRule:
    """The crediting periods a project-based methodology admits (any one option)."""

    options: tuple[CreditingOption, ...]
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Methodology:
    """One Shenzhen methodology, validated by hub.standard on load."""

    id: str
    name_zh: str
    name_en: str
    effective_from: date
    effective_to: date | None
    # Activity before effective_from is credited only from this day, by a rule
    # the data states (the hub's, not the methodology's); None: not at all.
    credits_activity_from: SourcedDay | None
    source: str
    provisional: bool
    vintages: VintageWindow
    basis: Basis
    activity_unit: str
    accepted_units: list[str]
    inputs: list[str]  # the derived inputs its formula uses (activity, days, years)
    factors: list[str]  # the factor ids its formula uses
    formula_id: str
    formula: str
    daily_cap_tco2e: Sourced | None  # per person and day (personal claims)
    plausible_max: PlausibleMax
    # Scales the bound to the registered project's capacity (project basis only).
    plausible_per_capacity: CapacityBound | None
    max_period_days: SourcedInt
    size_units: list[str]
    max_size: SizeLimit | None
    # A person's travel: timed trips lock the person's time across every
    # mobility methodology and partner; days count toward the daily total.
    mobility: bool
    # Sites are outlets many people use at once (recycling), not assets whose
    # output is claimed: only timed or the outlet's own records lock the site.
    shared_site: bool
    # How long a project's crediting period may be and how it may be renewed
    # (project basis only; hub.domain.crediting_periods).
    crediting: CreditingRule | None = None
    # The hub's own interim methodology (ids HUB-INTERIM-...), not one a
    # Shenzhen authority published: every surface naming it says so.
    interim: bool = False
    # Ids it was filed under before (SZ-RECYCLE), oldest first: serials and
    # ledgers written then keep them; the standard resolves them to this one.
    formerly: tuple[str, ...] = ()

    @property
    def asset_family(self) -> str:
        """The key its projects' assets are indexed and matched under
        (hub.domain.asset_fingerprints): its first id, oldest former id first,
        so a rename never splits one family's index into two."""
        return self.formerly[0] if self.formerly else self.id
