"""Offset eligibility of ETS_OFFSET retirements: the rules (standards/offsets.yaml), their checks.

An ETS entity may retire Shenzhen CERs against its compliance obligation
only within the standard's limits: an eligible origin, a recent enough
vintage, at most floor(cap share x verified emissions) units per compliance
year in all, and at most floor(origin share x that cap) from one origin.
The caller supplies what the entity already used that year by origin (the
storage's OffsetUsage.units_by_origin) and, once the retirement is
recorded, stores ``usage_after(...)`` in the same transaction, so two
retirements racing for the last units of a cap cannot both pass.
Retirements of any other purpose are not limited here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from hub.domain.blocks import Block
from hub.domain.checks import fire
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.domain.sourced import Sourced, SourcedInt


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibleOrigin:
    origin: str  # a partner code, the origin of the hub's blocks
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class OffsetRules:
    """Which Shenzhen CERs an ETS entity may retire against its obligation
    (standards/offsets.yaml, validated by hub.standard on load).

    cap: at most floor(cap_share x verified emissions) units per entity and
    compliance year; vintage: at least compliance year - vintage_window_years;
    origin: one of eligible_origins, and where max_share_by_origin names the
    origin, at most floor(share x cap) of the entity's units for the year
    from it.
    """

    source: str
    provisional: bool
    notes: list[str]
    cap_share_of_verified_emissions: Sourced
    vintage_window_years: SourcedInt
    eligible_origins: list[EligibleOrigin]
    max_share_by_origin: dict[str, Sourced]

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(o.origin for o in self.eligible_origins)


@dataclass(frozen=True, slots=True)
class OffsetViolation:
    """Why an ETS_OFFSET retirement is refused; codes are in the check catalogue."""

    code: str
    message: str  # English
    details: dict[str, str] = field(default_factory=dict)
    message_zh: str = ""


def _violation(code: str, **details: object) -> OffsetViolation:
    result = fire(code, **details)
    return OffsetViolation(code, result.message_en, dict(result.details), result.message_zh)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def offset_cap(rules: OffsetRules, verified_emissions_tco2e: Decimal) -> int:
    """Whole units an entity may offset in one compliance year."""
    return _floor(rules.cap_share_of_verified_emissions.value * verified_emissions_tco2e)


def origin_cap(rules: OffsetRules, origin: str, cap: int) -> int | None:
    """Whole units of ``cap`` that may come from ``origin``; None: no own limit."""
    share = rules.max_share_by_origin.get(origin)
    return None if share is None else _floor(share.value * cap)


def _missing_fields(request: RetirementRequest) -> list[str]:
    missing: list[str] = []
    if not (request.compliance_entity or "").strip():
        missing.append("compliance_entity")
    if request.compliance_year is None or request.compliance_year <= 0:
        missing.append("compliance_year")
    emissions = request.verified_emissions_tco2e
    if emissions is None or not emissions.is_finite() or emissions <= 0:
        missing.append("verified_emissions_tco2e")
    return missing


def check_offset(
    request: RetirementRequest,
    block: Block,
    used_by_origin: Mapping[str, int],
    rules: OffsetRules,
) -> list[OffsetViolation]:
    """Every rule an ETS_OFFSET retirement of ``request.units`` of ``block`` breaks.

    ``used_by_origin``: units the request's entity already retired for
    offsetting in the request's compliance year, by origin partner. The
    origin is the block's partner. Empty for any other purpose, and when
    every rule holds. A rule needing a missing field is not checked; the
    missing field is reported instead.
    """
    if request.purpose is not RetirementPurpose.ETS_OFFSET:
        return []
    found: list[OffsetViolation] = []
    missing = _missing_fields(request)
    if missing:
        found.append(_violation("OFFSET_FIELDS_MISSING", fields=", ".join(missing)))
    origin = block.partner
    eligible = origin in rules.origins
    if not eligible:
        found.append(
            _violation(
                "OFFSET_ORIGIN_NOT_ELIGIBLE",
                origin=origin,
                eligible=", ".join(sorted(rules.origins)),
            )
        )
    year = request.compliance_year
    if year is not None and "compliance_year" not in missing:
        years = rules.vintage_window_years.value
        earliest = year - years
        if block.vintage < earliest:
            found.append(
                _violation(
                    "OFFSET_VINTAGE_OUTSIDE_WINDOW",
                    vintage=block.vintage,
                    compliance_year=year,
                    years=years,
                    earliest=earliest,
                )
            )
    emissions = request.verified_emissions_tco2e
    if missing or emissions is None:
        return found
    entity = (request.compliance_entity or "").strip()
    share = rules.cap_share_of_verified_emissions.value
    cap = offset_cap(rules, emissions)
    total = sum(used_by_origin.values()) + request.units
    if total > cap:
        found.append(
            _violation(
                "OFFSET_CAP_EXCEEDED",
                entity=entity,
                compliance_year=year,
                total=total,
                cap=cap,
                share=share,
                emissions=emissions,
            )
        )
    limit = origin_cap(rules, origin, cap) if eligible else None
    origin_total = used_by_origin.get(origin, 0) + request.units
    if limit is not None and origin_total > limit:
        found.append(
            _violation(
                "OFFSET_ORIGIN_SHARE_EXCEEDED",
                entity=entity,
                compliance_year=year,
                origin=origin,
                origin_total=origin_total,
                origin_cap=limit,
                origin_share=rules.max_share_by_origin[origin].value,
                cap=cap,
            )
        )
    return found


def usage_after(
    request: RetirementRequest, block: Block, used_by_origin: Mapping[str, int]
) -> dict[str, int]:
    """The entity's offset usage by origin once the retirement is recorded.

    Only ETS_OFFSET retirements count against the cap; any other purpose
    leaves the usage as it was.
    """
    usage = dict(used_by_origin)
    if request.purpose is RetirementPurpose.ETS_OFFSET:
        usage[block.partner] = usage.get(block.partner, 0) + request.units
    return usage
