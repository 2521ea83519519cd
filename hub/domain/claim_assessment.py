"""Conformity of one claim with the Shenzhen standard, and its normalisation.

``assess_claim`` runs every check that applies and lists all that fired
(errors, reviews, warnings and infos together), normalising the claim
whenever its inputs allow. Each part of it is named for what it checks: the
partner methodology's mapping and windows (hub.domain.crosswalk_resolution),
the site's region (region_checks), issuance at the origin (origin_checks),
the methodology's dates (methodology_dates) and the capacity bound
(plausibility); the claim's period, project, activity, material and utility
are checked here. It does not look for double issuance: the service does
that inside the recording transaction, with the locks of hub.domain.locks.
The decision is hub.domain.claims.decide(checks).

Details of each check name the ClaimSubmission field at fault as ``field``
so adapters can point at the partner's column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain import units
from hub.domain.agreements import Agreement
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import NormalisedClaim
from hub.domain.crosswalk_resolution import resolve_methodology, window_checks
from hub.domain.crosswalks import CrosswalkEntry
from hub.domain.factors import VariantBy
from hub.domain.locks import OriginBlock
from hub.domain.methodologies import Basis, Methodology
from hub.domain.normalisation import normalise, parse_decimal
from hub.domain.origin_checks import origin_checks
from hub.domain.periods import Period, PeriodError, local_day_bounds, parse_period
from hub.domain.plausibility import capacity_checks
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project
from hub.domain.region_checks import region_checks
from hub.domain.standard_terms import StandardTerms
from hub.domain.vintage_parts import part_years

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")

# The check that holds a claim while its project waits for the bureau's review;
# approving the project re-decides the claims it alone holds.
NOT_APPROVED_CHECK = "PROJECT_NOT_APPROVED"


@dataclass(frozen=True, slots=True)
class ClaimAssessment:
    normalised: NormalisedClaim | None  # None when the claim cannot be normalised
    checks: tuple[CheckResult, ...]  # every check that fired
    origin_block: OriginBlock | None  # the origin serial block, when given and valid
    site_binding: str | None  # Shenzhen methodology the claim's site is bound to
    # The former ids of that methodology: a site bound under one of them
    # (before a rename) is bound to the same programme.
    site_binding_formerly: tuple[str, ...] = ()


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _material_factor(standard: StandardTerms, methodology: Methodology) -> str | None:
    for factor_id in methodology.factors:
        factor = standard.factor(factor_id)
        if factor is not None and factor.variant_by is VariantBy.MATERIAL:
            return factor_id
    return None


def assess_claim(
    submission: ClaimSubmission,
    standard: StandardTerms,
    project: Project | None,
    now: datetime,
) -> ClaimAssessment:
    """Every conformity check on one claim, and its normalisation where possible."""
    checks: list[CheckResult] = []
    partner = submission.partner
    partner_methodology = submission.partner_methodology.strip()

    # Partner and crosswalk
    agreement = standard.agreement(partner)
    if agreement is None:
        checks.append(fire("PARTNER_NOT_RECOGNISED", field="partner", partner=partner))
    resolution = resolve_methodology(standard, partner, partner_methodology)
    entry, methodology = resolution.entry, resolution.methodology
    if resolution.refusal is not None:
        checks.append(resolution.refusal)
    site_id = _text(submission.site_id)
    site_binding = entry.methodology if entry is not None and site_id is not None else None

    # Monitoring period
    period = _check_period(submission, agreement, now, checks)
    if period is not None and entry is not None and methodology is not None:
        checks.extend(window_checks(standard, partner, entry, methodology, period))

    # Basis: project, person, site
    basis = standard.basis(entry) if entry is not None else None
    person = _text(submission.person_pseudonym)
    if person is not None and not _PSEUDONYM.fullmatch(person):
        checks.append(fire("PSEUDONYM_MALFORMED", field="person_pseudonym"))
    if basis is Basis.PROJECT and methodology is not None:
        _check_project(submission, project, methodology, period, checks)
    elif basis is Basis.PERSONAL and person is None and methodology is not None:
        checks.append(fire("PERSON_REQUIRED", field="person_pseudonym", methodology=methodology.id))
    elif basis is Basis.SITE and site_id is None and methodology is not None:
        checks.append(fire("SITE_REQUIRED", field="site_id", methodology=methodology.id))

    # Reporting platform: one the agreement names, or none (its default)
    platform = _text(submission.platform)
    if agreement is not None and platform is not None and agreement.platform(platform) is None:
        known = ", ".join(p.id for p in agreement.platforms) or "none"
        checks.append(
            fire(
                "PLATFORM_UNKNOWN",
                field="platform",
                platform=platform,
                partner=partner,
                known=known,
            )
        )

    # Site region
    days = (period.first_local_date, period.last_local_date) if period is not None else ()
    checks.extend(
        region_checks(
            _text(submission.region_code), agreement, partner, standard.region_codes, days
        )
    )

    # Activity: unit, quantity, bounds
    activity = _check_activity(submission, standard, entry, methodology, period, checks)
    if activity is not None and methodology is not None and period is not None:
        checks.extend(capacity_checks(methodology, project, period, activity[0]))

    # Reported reduction
    reported: Decimal | None = None
    reported_text = _text(submission.reported_tco2e)
    if reported_text is not None:
        reported = parse_decimal(reported_text)
        if reported is None:
            checks.append(
                fire("REPORTED_MALFORMED", field="reported_tco2e", value=submission.reported_tco2e)
            )
        elif reported < 0:
            checks.append(fire("REPORTED_NEGATIVE", field="reported_tco2e", value=reported_text))
            reported = None

    # Material and utility
    factors_ok = True
    if entry is not None and methodology is not None:
        factors_ok = _check_material_and_utility(submission, standard, entry, methodology, checks)

    # Double claiming: accounting adjustment
    if (
        agreement is not None
        and agreement.adjustment_ref_required
        and _text(submission.adjustment_ref) is None
    ):
        checks.append(fire("ADJUSTMENT_REF_MISSING", field="adjustment_ref", partner=partner))

    # Origin issuance
    origin = origin_checks(
        _text(submission.origin_serial),
        submission.origin_status,
        _text(submission.project_id),
        agreement,
        reported,
        basis,
        period.vintage if period is not None else None,
        part_years(period.start, period.end, period.zone) if period is not None else (),
    )
    checks.extend(origin.checks)

    # Normalisation, when the inputs allow a number. A malformed or negative
    # reported value blocks it: the conservative comparison needs that value.
    normalised: NormalisedClaim | None = None
    reported_usable = reported_text is None or reported is not None
    if (
        entry is not None
        and methodology is not None
        and period is not None
        and activity is not None
        and factors_ok
        and reported_usable
    ):
        activity_value, activity_notes = activity
        normalised, more = normalise(
            submission,
            standard,
            entry,
            methodology,
            period,
            activity_value,
            reported,
            activity_notes,
        )
        checks.extend(more)

    return ClaimAssessment(
        normalised=normalised,
        checks=tuple(checks),
        origin_block=origin.block,
        site_binding=site_binding,
        site_binding_formerly=methodology.formerly
        if site_binding is not None and methodology is not None
        else (),
    )


# Periods are values (immutable), and a delivery repeats the same few days
# for thousands of people: each distinct (start, end, zone) is parsed once.
# A PeriodError is raised again every time (lru_cache keeps no exceptions).
_parse_period = lru_cache(maxsize=8192)(parse_period)


def _check_period(
    submission: ClaimSubmission,
    agreement: Agreement | None,
    now: datetime,
    checks: list[CheckResult],
) -> Period | None:
    zone_name = submission.time_zone.strip() or (agreement.time_zone if agreement else "")
    try:
        period = _parse_period(submission.period_start, submission.period_end, zone_name)
    except PeriodError as exc:
        checks.append(
            fire(
                "PERIOD_MALFORMED",
                field=exc.field,
                start=submission.period_start,
                end=submission.period_end,
                reason=exc.reason,
            )
        )
        return None
    if period.end > now:
        checks.append(fire("PERIOD_IN_FUTURE", field="period_end", end=submission.period_end))
    return period


def _check_project(
    submission: ClaimSubmission,
    project: Project | None,
    methodology: Methodology,
    period: Period | None,
    checks: list[CheckResult],
) -> None:
    project_id = _text(submission.project_id)
    if project_id is None:
        checks.append(fire("PROJECT_REQUIRED", field="project_id", methodology=methodology.id))
        return
    if project is None or project.partner != submission.partner or project.project_id != project_id:
        checks.append(fire("PROJECT_NOT_REGISTERED", field="project_id", project_id=project_id))
        return
    if not project.active:
        checks.append(
            fire(
                "PROJECT_NOT_ACTIVE",
                field="project_id",
                project_id=project_id,
                status=project.status.value,
            )
        )
    if project.review_state is ProjectReviewState.REJECTED:
        checks.append(
            fire("PROJECT_REJECTED", field="project_id", project_id=project_id, comment="")
        )
    elif project.review_state not in (ProjectReviewState.APPROVED, ProjectReviewState.SUSPENDED):
        # SUSPENDED is the bureau's suspension: PROJECT_SUSPENDED_BY_BUREAU holds those.
        checks.append(
            fire(
                NOT_APPROVED_CHECK,
                field="project_id",
                project_id=project_id,
                state=str(project.review_state),
            )
        )
    if project.partner_methodology != submission.partner_methodology.strip():
        checks.append(
            fire(
                "PROJECT_METHODOLOGY_MISMATCH",
                field="partner_methodology",
                partner_methodology=submission.partner_methodology,
                project_methodology=project.partner_methodology,
            )
        )
    if period is not None:
        lo, hi = local_day_bounds(project.crediting_start, project.crediting_end, period.zone)
        if period.start < lo or period.end > hi:
            checks.append(
                fire(
                    "PERIOD_OUTSIDE_CREDITING",
                    field="period_start" if period.start < lo else "period_end",
                    crediting_start=project.crediting_start,
                    crediting_end=project.crediting_end,
                )
            )
    limit = methodology.max_size
    size = parse_decimal(project.size_value)
    if limit is not None and size is not None and project.size_unit in methodology.size_units:
        in_limit_unit = units.convert(size, project.size_unit, limit.unit)
        if in_limit_unit > limit.value:
            checks.append(
                fire(
                    "PROJECT_SIZE_EXCEEDS_LIMIT",
                    field="project_id",
                    size=f"{project.size_value} {project.size_unit}",
                    limit=f"{limit.value} {limit.unit}",
                )
            )


def _unit_refusal(unit: str, methodology: Methodology | None) -> str:
    """The code refusing a unit the crosswalk does not accept.

    A ride counted in trips has no distance, and the passenger methodologies
    need one: with no filed trip length the refusal says so with its own code
    rather than as any unit mismatch.
    """
    if (
        methodology is not None
        and units.dimension(unit) is units.Dimension.COUNT
        and units.dimension(methodology.activity_unit) is units.Dimension.PASSENGER_DISTANCE
    ):
        return "TRIP_WITHOUT_DISTANCE"
    return "UNIT_NOT_FOR_METHODOLOGY"


def _check_activity(
    submission: ClaimSubmission,
    standard: StandardTerms,
    entry: CrosswalkEntry | None,
    methodology: Methodology | None,
    period: Period | None,
    checks: list[CheckResult],
) -> tuple[Decimal, tuple[str, ...]] | None:
    """The activity in the methodology's unit, with a note on conversion; None if unusable."""
    unit = submission.activity_unit.strip()
    unit_ok = True
    if not units.is_known(unit) or unit not in units.ACTIVITY_UNITS:
        checks.append(fire("UNIT_UNKNOWN", field="activity_unit", unit=submission.activity_unit))
        unit_ok = False
    elif entry is not None and unit not in standard.accepted_units(entry):
        checks.append(
            fire(
                _unit_refusal(unit, methodology),
                field="activity_unit",
                unit=unit,
                methodology=entry.methodology,
                partner_methodology=entry.partner_methodology,
                accepted=", ".join(standard.accepted_units(entry)),
            )
        )
        unit_ok = False
    quantity = parse_decimal(submission.activity_quantity)
    if quantity is None:
        checks.append(
            fire(
                "QUANTITY_MALFORMED", field="activity_quantity", value=submission.activity_quantity
            )
        )
        return None
    if quantity <= 0:
        checks.append(fire("QUANTITY_NOT_POSITIVE", field="activity_quantity", value=quantity))
        return None
    if not unit_ok or methodology is None:
        return None
    value = units.convert(quantity, unit, methodology.activity_unit)
    notes: tuple[str, ...] = ()
    if unit != methodology.activity_unit:
        notes = (f"activity {quantity} {unit} converted to {value} {methodology.activity_unit}",)
    bound = methodology.plausible_max
    if period is not None or not bound.per_day:
        limit = bound.value * period.whole_days if (bound.per_day and period) else bound.value
        if value > limit:
            checks.append(
                fire(
                    "QUANTITY_OUT_OF_BOUNDS",
                    field="activity_quantity",
                    value=value,
                    unit=methodology.activity_unit,
                    limit=limit,
                )
            )
    return value, notes


def _check_material_and_utility(
    submission: ClaimSubmission,
    standard: StandardTerms,
    entry: CrosswalkEntry,
    methodology: Methodology,
    checks: list[CheckResult],
) -> bool:
    """False when a missing or unknown material or utility leaves a factor undetermined."""
    ok = True
    material_factor = _material_factor(standard, methodology)
    if material_factor is not None:
        material = _text(submission.material)
        if material is None:
            checks.append(fire("MATERIAL_REQUIRED", field="material"))
            ok = False
        elif material not in standard.factor_variants(material_factor):
            checks.append(
                fire(
                    "MATERIAL_UNKNOWN",
                    field="material",
                    material=material,
                    methodology=methodology.id,
                )
            )
            ok = False
    if entry.factor_regions_by_utility:
        utility = _text(submission.utility)
        known = ", ".join(sorted(entry.factor_regions_by_utility))
        if utility is None:
            checks.append(fire("UTILITY_REQUIRED", field="utility", known=known))
            ok = False
        elif utility not in entry.factor_regions_by_utility:
            checks.append(fire("UTILITY_UNKNOWN", field="utility", utility=utility, known=known))
            ok = False
    return ok
