"""Validated file models to the plain domain types the rest of the hub reads.

The loader validates each YAML file into the pydantic models of
hub.standard.models, checks the cross-references, and then converts every
model here into its hub.domain type of the same name: a frozen dataclass
whose lists and mappings are copies, so nothing is shared with the models.
Nothing is decided here: each field is copied as it was validated, so the
domain sees exactly the values of the files.
"""

from __future__ import annotations

from hub.domain.agreements import Agreement, PartnerRegion, Platform, Recognition
from hub.domain.crosswalks import Crosswalk, CrosswalkEntry, Exclusion
from hub.domain.factors import Factor, FactorValue
from hub.domain.methodologies import (
    CapacityBound,
    CreditingOption,
    CreditingRule,
    Methodology,
    PlausibleMax,
    SizeLimit,
    VintageWindow,
)
from hub.domain.offsets import EligibleOrigin, OffsetRules
from hub.domain.sourced import Sourced, SourcedDay, SourcedInt
from hub.standard import models as shape


def sourced_of(model: shape.Sourced) -> Sourced:
    return Sourced(value=model.value, source=model.source, provisional=model.provisional)


def sourced_int_of(model: shape.SourcedInt | shape.SourcedDays | shape.SourcedYears) -> SourcedInt:
    return SourcedInt(value=model.value, source=model.source, provisional=model.provisional)


def _optional_sourced(model: shape.Sourced | None) -> Sourced | None:
    return None if model is None else sourced_of(model)


def methodology_of(model: shape.Methodology) -> Methodology:
    early = model.credits_activity_from
    per_capacity = model.plausible_per_capacity
    max_size = model.max_size
    return Methodology(
        id=model.id,
        name_zh=model.name_zh,
        name_en=model.name_en,
        effective_from=model.effective_from,
        effective_to=model.effective_to,
        credits_activity_from=None
        if early is None
        else SourcedDay(value=early.value, source=early.source, provisional=early.provisional),
        source=model.source,
        provisional=model.provisional,
        vintages=VintageWindow(
            first=model.vintages.first,
            last=model.vintages.last,
            source=model.vintages.source,
            provisional=model.vintages.provisional,
        ),
        basis=model.basis,
        activity_unit=model.activity_unit,
        accepted_units=list(model.accepted_units),
        inputs=list(model.inputs),
        factors=list(model.factors),
        formula_id=model.formula_id,
        formula=model.formula,
        daily_cap_tco2e=_optional_sourced(model.daily_cap_tco2e),
        plausible_max=PlausibleMax(
            value=model.plausible_max.value,
            per_day=model.plausible_max.per_day,
            source=model.plausible_max.source,
            provisional=model.plausible_max.provisional,
        ),
        plausible_per_capacity=None
        if per_capacity is None
        else CapacityBound(
            value=per_capacity.value,
            activity_unit=per_capacity.activity_unit,
            capacity_unit=per_capacity.capacity_unit,
            source=per_capacity.source,
            provisional=per_capacity.provisional,
        ),
        max_period_days=sourced_int_of(model.max_period_days),
        size_units=list(model.size_units),
        max_size=None
        if max_size is None
        else SizeLimit(
            value=max_size.value,
            unit=max_size.unit,
            source=max_size.source,
            provisional=max_size.provisional,
        ),
        mobility=model.mobility,
        shared_site=model.shared_site,
        crediting=_crediting_of(model.crediting_period),
        interim=model.interim,
        formerly=tuple(model.formerly),
    )


def _crediting_of(model: shape.CreditingRule | None) -> CreditingRule | None:
    if model is None:
        return None
    return CreditingRule(
        options=tuple(CreditingOption(years=o.years, renewals=o.renewals) for o in model.options),
        source=model.source,
        provisional=model.provisional,
    )


def factor_of(model: shape.Factor) -> Factor:
    return Factor(
        id=model.id,
        name_zh=model.name_zh,
        name_en=model.name_en,
        unit=model.unit,
        default_region=model.default_region,
        variant_by=model.variant_by,
        read_from=dict(model.read_from.regions) if model.read_from is not None else {},
        values=[
            FactorValue(
                region=v.region,
                year=v.year,
                variant=v.variant,
                value=v.value,
                source=v.source,
                provisional=v.provisional,
            )
            for v in model.values
        ],
    )


def crosswalk_of(model: shape.Crosswalk) -> Crosswalk:
    return Crosswalk(
        partner=model.partner,
        source=model.source,
        provisional=model.provisional,
        entries=[_entry_of(e) for e in model.entries],
        excluded=[
            Exclusion(partner_methodology=x.partner_methodology, reason=x.reason)
            for x in model.excluded
        ],
    )


def _entry_of(model: shape.CrosswalkEntry) -> CrosswalkEntry:
    return CrosswalkEntry(
        partner_methodology=model.partner_methodology,
        name=model.name,
        methodology=model.methodology,
        mode=model.mode,
        basis=model.basis,
        units=None if model.units is None else list(model.units),
        factor_regions=dict(model.factor_regions),
        factor_regions_by_utility={
            utility: dict(regions) for utility, regions in model.factor_regions_by_utility.items()
        },
        variant=model.variant,
        discount=_optional_sourced(model.discount),
        source=model.source,
        provisional=model.provisional,
    )


def agreement_of(model: shape.Agreement) -> Agreement:
    completion = model.inventory_exclusion_completion_days
    return Agreement(
        partner=model.partner,
        name_zh=model.name_zh,
        name_en=model.name_en,
        region=PartnerRegion(
            iso_3166_2=model.region.iso_3166_2,
            gbt2260_prefix=model.region.gbt2260_prefix,
            name_zh=model.region.name_zh,
            name_en=model.region.name_en,
        ),
        time_zone=model.time_zone,
        adjustment_ref_required=model.adjustment_ref_required,
        origin_serial_format=model.origin_serial_format,
        source_cancellation_deadline_days=model.source_cancellation_deadline_days,
        inventory_exclusion_completion_days=None
        if completion is None
        else sourced_int_of(completion),
        recognised=[
            Recognition(
                partner_methodology=r.partner_methodology,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
            for r in model.recognised
        ],
        project_review=model.project_review,
        platforms=[
            Platform(
                id=p.id,
                name=p.name,
                operator_name=p.operator_name,
                operator_id=p.operator_id,
                operator_id_scheme=p.operator_id_scheme,
                default=p.default,
                source=p.source,
                provisional=p.provisional,
            )
            for p in model.platforms
        ],
        owner_id_schemes=list(model.owner_id_schemes),
        source=model.source,
        provisional=model.provisional,
    )


def offset_rules_of(model: shape.OffsetRules) -> OffsetRules:
    return OffsetRules(
        source=model.source,
        provisional=model.provisional,
        notes=list(model.notes),
        cap_share_of_verified_emissions=sourced_of(model.cap_share_of_verified_emissions),
        vintage_window_years=sourced_int_of(model.vintage_window_years),
        eligible_origins=[
            EligibleOrigin(origin=o.origin, source=o.source, provisional=o.provisional)
            for o in model.eligible_origins
        ],
        max_share_by_origin={o: sourced_of(s) for o, s in model.max_share_by_origin.items()},
    )
