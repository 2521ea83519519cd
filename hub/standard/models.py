"""The shape of the standard's YAML files, as strict pydantic models.

Unknown keys are refused, numbers are decimal (a float in the data is
refused: write decimals as quoted strings, or unquoted — the loader keeps
unquoted decimals as text, never as binary floats), and every value that
carries a number names its ``source`` and whether it is ``provisional``.

These models stay inside hub.standard: once a file is validated, the loader
converts each model into the plain hub.domain type of the same name
(hub.standard.conversion), and that is what the rest of the hub reads. The
enumerations are the domain's own, so a validated value needs no mapping.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from hub.domain.agreements import OperatorIdScheme, ProjectReview
from hub.domain.crosswalks import Mode
from hub.domain.factors import VariantBy
from hub.domain.methodologies import Basis
from hub.domain.owner_ids import OwnerIdScheme


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError("write decimal numbers as quoted strings, not floats")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal number") from exc
    else:
        raise ValueError(f"expected a decimal number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def _to_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError("expected a date without a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an ISO date YYYY-MM-DD") from exc
    raise ValueError(f"expected an ISO date, got {type(value).__name__}")


Dec = Annotated[Decimal, BeforeValidator(_to_decimal)]
Day = Annotated[date, BeforeValidator(_to_date)]
Text = Annotated[str, Field(min_length=1)]
# The id prefix of the hub's own interim methodologies (see methodologies.yaml).
INTERIM_PREFIX = "HUB-INTERIM-"


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Sourced(_Model):
    """A number with where it comes from."""

    value: Dec
    source: Text
    provisional: bool


class SourcedInt(_Model):
    value: Annotated[int, Field(gt=0)]
    source: Text
    provisional: bool


class SourcedDay(_Model):
    """A date with where it comes from."""

    value: Day
    source: Text
    provisional: bool


class AssetMatching(_Model):
    """When two project registrations describe one asset (hub.domain.asset_matching)."""

    capacity_tolerance: Sourced  # share of the larger capacity
    location_distance_m: Sourced
    boundary_overlap_share: Sourced  # share of the smaller parcel
    boundary_area_tolerance: Sourced  # share of the boundary's area

    @model_validator(mode="after")
    def _shares(self) -> AssetMatching:
        shares = (
            self.capacity_tolerance,
            self.boundary_overlap_share,
            self.boundary_area_tolerance,
        )
        for share in shares:
            if not 0 <= share.value < 1:
                raise ValueError("shares are at least 0 and below 1")
        if self.location_distance_m.value <= 0:
            raise ValueError("location_distance_m must be positive")
        return self


class StandardHeader(_Model):
    version: Text
    effective_from: Day
    effective_to: Day | None = None
    title_zh: Text
    title_en: Text
    publisher: Text
    source: Text
    provisional: bool
    # A person's passenger-km in one day across every mobility methodology and
    # partner above which a mobility claim is HELD (hub.domain.mobility).
    person_daily_mobility_pkm: Sourced | None = None
    # When a new project registration describes an asset already registered.
    asset_matching: AssetMatching
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> StandardHeader:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self


class PlausibleMax(_Model):
    """Above this activity a claim is held for review (not rejected)."""

    value: Dec
    per_day: bool  # multiply by the calendar days of the period
    source: Text
    provisional: bool


class CapacityBound(_Model):
    """Activity per unit of registered capacity per day, above which a claim is held.

    For generation, kWh per kW per day: the plant's full-load hours a day.
    """

    value: Dec
    activity_unit: Text  # the methodology's activity unit (kWh)
    capacity_unit: Text  # one of the methodology's size units (kW)
    source: Text
    provisional: bool


class VintageWindow(_Model):
    """Which vintages (years of the monitoring period end) a methodology credits."""

    first: Annotated[int, Field(ge=1990, le=2100)]
    last: Annotated[int, Field(ge=1990, le=2100)] | None = None
    source: Text
    provisional: bool

    @model_validator(mode="after")
    def _order(self) -> VintageWindow:
        if self.last is not None and self.last < self.first:
            raise ValueError("last is before first")
        return self


class SizeLimit(_Model):
    value: Dec
    unit: Text
    source: Text
    provisional: bool


class CreditingOption(_Model):
    """A crediting period of ``years``, renewable ``renewals`` times (0: fixed)."""

    years: Annotated[int, Field(ge=1, le=100)]
    renewals: Annotated[int, Field(ge=0, le=10)]


class CreditingRule(_Model):
    """The crediting periods a project-based methodology admits (any one option)."""

    options: Annotated[list[CreditingOption], Field(min_length=1)]
    source: Text
    provisional: bool


class Methodology(_Model):
    id: Text
    name_zh: Text
    name_en: Text
    effective_from: Day
    effective_to: Day | None = None
    # Activity before effective_from is credited only from this day, by a rule
    # the data states (the hub's, not the methodology's); None: not at all.
    credits_activity_from: SourcedDay | None = None
    source: Text
    provisional: bool
    vintages: VintageWindow
    basis: Annotated[Basis, Field(strict=False)]
    activity_unit: Text
    accepted_units: list[Text]
    inputs: list[Text]
    factors: list[Text] = Field(default_factory=list)
    formula_id: Text
    formula: Text
    daily_cap_tco2e: Sourced | None = None
    plausible_max: PlausibleMax
    # Scales the bound to the registered project's capacity (project basis only).
    plausible_per_capacity: CapacityBound | None = None
    max_period_days: SourcedInt
    size_units: list[Text] = Field(default_factory=list)
    max_size: SizeLimit | None = None
    # A person's travel: timed trips lock the person's time across every
    # mobility methodology and partner; days count toward the daily total.
    mobility: bool = False
    # Sites are outlets many people use at once (recycling), not assets whose
    # output is claimed: only timed or the outlet's own records lock the site.
    shared_site: bool = False
    # The longest crediting period and its renewals: required for, and only
    # for, project-based methodologies.
    crediting_period: CreditingRule | None = None
    # The hub's own interim methodology rather than a published Shenzhen one;
    # its id must then read HUB-INTERIM-... (and only then).
    interim: bool = False
    # Ids this methodology was filed under before a rename: serials and
    # ledgers written under them still resolve here.
    formerly: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Methodology:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        early = self.credits_activity_from
        if early is not None and early.value >= self.effective_from:
            raise ValueError("credits_activity_from must be before effective_from")
        if self.activity_unit not in self.accepted_units:
            raise ValueError("accepted_units must include activity_unit")
        if self.daily_cap_tco2e is not None and self.daily_cap_tco2e.value <= 0:
            raise ValueError("daily_cap_tco2e must be positive")
        if self.plausible_max.value <= 0:
            raise ValueError("plausible_max must be positive")
        per_capacity = self.plausible_per_capacity
        if per_capacity is not None and (
            per_capacity.value <= 0
            or per_capacity.activity_unit != self.activity_unit
            or per_capacity.capacity_unit not in self.size_units
        ):
            raise ValueError(
                "plausible_per_capacity must be positive, in the activity unit and a size unit"
            )
        if self.max_size is not None and self.max_size.unit not in self.size_units:
            raise ValueError("max_size.unit must be one of size_units")
        if self.mobility and self.basis is not Basis.PERSONAL:
            raise ValueError("a mobility methodology is personal (basis: personal)")
        if self.shared_site and self.basis is not Basis.SITE:
            raise ValueError("shared_site applies to site-based methodologies (basis: site)")
        if (self.crediting_period is None) is (self.basis is Basis.PROJECT):
            raise ValueError("crediting_period is required for, and only for, basis: project")
        if self.interim is not self.id.startswith(INTERIM_PREFIX):
            raise ValueError(f"an interim methodology, and only one, has an id {INTERIM_PREFIX}...")
        if self.id in self.formerly:
            raise ValueError("formerly names the methodology's own id")
        return self


class MethodologiesFile(_Model):
    methodologies: list[Methodology]


class FactorValue(_Model):
    region: Text
    year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    variant: Text | None = None
    value: Dec
    source: Text
    provisional: bool


# A mainland province-level region: ISO 3166-2 "CN-" and two letters, other
# than the regions outside the MEE/NBS grid tables (Hong Kong, Macao, Taiwan).
_MAINLAND_REGION = re.compile(r"CN-[A-Z]{2}", re.ASCII)
_OUTSIDE_MAINLAND_GRIDS = frozenset({"CN-HK", "CN-MO", "CN-TW"})


def _is_mainland_region(region: str) -> bool:
    return bool(_MAINLAND_REGION.fullmatch(region)) and region not in _OUTSIDE_MAINLAND_GRIDS


class ReadFrom(_Model):
    """Where a place's values are read, as one sourced rule (grid_ef: province -> grid region)."""

    regions: dict[Text, Text] = Field(min_length=1)
    source: Text
    provisional: bool


class Factor(_Model):
    id: Text
    name_zh: Text
    name_en: Text
    unit: Text
    default_region: Text | None = None
    variant_by: Annotated[VariantBy, Field(strict=False)] | None = None
    read_from: ReadFrom | None = None
    values: list[FactorValue] = Field(min_length=1)

    def region_read(self, region: str) -> str:
        """The region whose values stand for ``region`` (read_from), else ``region``."""
        return self.read_from.regions.get(region, region) if self.read_from else region

    @model_validator(mode="after")
    def _read_from(self) -> Factor:
        if self.read_from is None:
            return self
        held = {v.region for v in self.values}
        for place, region in self.read_from.regions.items():
            if place in held:
                raise ValueError(
                    f"{place} is read from {region} (read_from), so it holds no values of its own"
                )
            if region not in held:
                raise ValueError(f"read_from names {region} for {place}, which holds no values")
        # The rule covers every mainland partner, present and future: a
        # province's own values would bypass it, so none may be given; the
        # province is mapped to its grid region instead.
        for region in sorted(held):
            if _is_mainland_region(region):
                raise ValueError(
                    f"{region} is a mainland province: it is read from its grid region,"
                    " so map it in read_from instead of giving it values"
                )
        return self

    @model_validator(mode="after")
    def _variants(self) -> Factor:
        seen: set[tuple[str, int | None, str | None]] = set()
        for value in self.values:
            if (self.variant_by is None) != (value.variant is None):
                raise ValueError("give every value a variant exactly when variant_by is set")
            key = (value.region, value.year, value.variant)
            if key in seen:
                raise ValueError(
                    f"two values for region {value.region}, year {value.year},"
                    f" variant {value.variant}"
                )
            seen.add(key)
        return self


class FactorsFile(_Model):
    factors: list[Factor]


class CrosswalkEntry(_Model):
    partner_methodology: Text
    name: Text
    methodology: Text
    mode: Annotated[Mode, Field(strict=False)]
    basis: Annotated[Basis, Field(strict=False)] | None = None
    units: list[Text] | None = None
    factor_regions: dict[str, str] = Field(default_factory=dict)
    factor_regions_by_utility: dict[str, dict[str, str]] = Field(default_factory=dict)
    variant: Text | None = None
    discount: Sourced | None = None
    source: Text
    provisional: bool

    @model_validator(mode="after")
    def _mode(self) -> CrosswalkEntry:
        if self.mode is Mode.REPORTED_ONLY and self.discount is None:
            raise ValueError("a reported_only entry needs a discount")
        if self.discount is not None and not (0 <= self.discount.value < 1):
            raise ValueError("discount is the share deducted: at least 0 and below 1")
        return self


class Exclusion(_Model):
    partner_methodology: Text
    reason: Text


class Crosswalk(_Model):
    partner: Text
    source: Text
    provisional: bool
    entries: list[CrosswalkEntry]
    excluded: list[Exclusion] = Field(default_factory=list)


class PartnerRegion(_Model):
    # The ISO 3166-2 code of the region, or for a prefecture-level partner
    # (partner code = its GB/T 2260 code) of the province that contains it.
    iso_3166_2: Text
    # 2 digits (province), 4 (prefecture) or 6 (county) of GB/T 2260.
    gbt2260_prefix: Annotated[str, Field(pattern=r"^\d{2}(?:\d{2}){0,2}$")]
    name_zh: Text
    name_en: Text


class Recognition(_Model):
    partner_methodology: Text
    valid_from: Day
    valid_to: Day | None = None

    @model_validator(mode="after")
    def _window(self) -> Recognition:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class Platform(_Model):
    """An app or registry that reports personal behaviour for a partner.

    The personal reductions a platform reports are pooled per (partner,
    platform, methodology, vintage); the pool's whole tonnes are issued as
    blocks owned by the platform's operator (DESIGN.md §5).
    """

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    name: Text
    operator_name: Text
    operator_id: Text
    operator_id_scheme: Annotated[OperatorIdScheme, Field(strict=False)]
    # Personal claims that name no platform fall to the partner's default.
    default: bool = False
    source: Text
    provisional: bool


class SourcedDays(_Model):
    value: Annotated[int, Field(gt=0)]
    source: Text
    provisional: bool


class Agreement(_Model):
    partner: Text
    name_zh: Text
    name_en: Text
    region: PartnerRegion
    time_zone: Text
    adjustment_ref_required: bool
    origin_serial_format: Text | None = None
    # Days a claim may wait in AWAITING_SOURCE_CANCELLATION before it is
    # voided. The loader requires it exactly when the partner issues its own
    # credits (it has an origin_serial_format); None means "not applicable":
    # nothing is ever cancelled at that origin, so no claim waits.
    source_cancellation_deadline_days: Annotated[int, Field(gt=0)] | None = None
    # Days from the origin's COMMITTED inventory exclusion to its COMPLETED
    # one, past which the blocks under the reference freeze
    # (hub.domain.inventory_exclusions); None: no deadline (domestic partners).
    inventory_exclusion_completion_days: SourcedDays | None = None
    recognised: list[Recognition]
    # Defaults to the bureau's review: approving projects without it must be
    # the agreement's explicit, sourced choice, never an omission.
    project_review: Annotated[ProjectReview, Field(strict=False)] = ProjectReview.BUREAU
    # The platforms that report personal behaviour for the partner; the
    # loader requires exactly one default where the partner has personal
    # methodologies.
    platforms: list[Platform] = Field(default_factory=list)
    # Which identifiers name the owner of a project (hub.domain.owner_ids):
    # mainland partners' owners have unified social credit codes only.
    owner_id_schemes: list[Annotated[OwnerIdScheme, Field(strict=False)]] = Field(
        default_factory=lambda: [OwnerIdScheme.USCC], min_length=1
    )
    source: Text
    provisional: bool


class SourcedYears(_Model):
    value: Annotated[int, Field(ge=0)]
    source: Text
    provisional: bool


class EligibleOrigin(_Model):
    origin: Text  # a partner code, the origin of the hub's blocks
    source: Text
    provisional: bool


def _share(value: Sourced) -> Sourced:
    if not 0 < value.value <= 1:
        raise ValueError("a share must be above 0 and at most 1")
    return value


Share = Annotated[Sourced, AfterValidator(_share)]


class OffsetRules(_Model):
    """Which Shenzhen CERs an ETS entity may retire against its obligation
    (retirements of purpose ETS_OFFSET; other purposes have no such rules).

    cap: at most floor(cap_share x verified emissions) units per entity and
    compliance year; vintage: at least compliance year - vintage_window_years;
    origin: one of eligible_origins, and where max_share_by_origin names the
    origin, at most floor(share x cap) of the entity's units for the year
    from it. The loader checks the origins against the agreements.
    """

    source: Text
    provisional: bool
    notes: list[str] = Field(default_factory=list)
    cap_share_of_verified_emissions: Share
    vintage_window_years: SourcedYears
    eligible_origins: list[EligibleOrigin] = Field(min_length=1)
    max_share_by_origin: dict[str, Share] = Field(default_factory=dict)
