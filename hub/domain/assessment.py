"""Conformity of one claim or one project with the Shenzhen standard.

``assess_claim`` runs every check that applies and lists all that fired
(errors, reviews, warnings and infos together), normalising the claim
whenever its inputs allow. It does not look for double issuance: the
service does that inside the recording transaction, with the locks of
hub.domain.locks. The decision is hub.domain.claims.decide(checks).

Details of each check name the ClaimSubmission (or ProjectSubmission) field
at fault as ``field`` so adapters can point at the partner's column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from math import floor
from weakref import WeakKeyDictionary

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus, ProjectSubmission
from hub.domain import regions, units
from hub.domain.asset_fingerprints import fingerprint
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import NormalisedClaim
from hub.domain.locks import OriginBlock
from hub.domain.methodology_dates import effectiveness_checks
from hub.domain.normalisation import normalise, parse_decimal
from hub.domain.origin_serials import PARSERS, ParsedSerial, SerialError
from hub.domain.owner_ids import OwnerIdScheme, owner_id_checks
from hub.domain.periods import Period, PeriodError, local_day_bounds, parse_period
from hub.domain.plausibility import capacity_checks
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project
from hub.standard import Agreement, Basis, CrosswalkEntry, Methodology, Standard, VariantBy

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


@dataclass(frozen=True, slots=True)
class ProjectAssessment:
    project: Project | None  # None when rejected
    checks: tuple[CheckResult, ...]


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _material_factor(standard: Standard, methodology: Methodology) -> str | None:
    for factor_id in methodology.factors:
        factor = standard.factor(factor_id)
        if factor is not None and factor.variant_by is VariantBy.MATERIAL:
            return factor_id
    return None


def assess_claim(
    submission: ClaimSubmission,
    standard: Standard,
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
    entry = standard.crosswalk_entry(partner, partner_methodology)
    methodology: Methodology | None = None
    if entry is None:
        excluded = standard.exclusion(partner, partner_methodology)
        checks.append(
            fire(
                "METHODOLOGY_NOT_IN_CROSSWALK",
                field="partner_methodology",
                partner=partner,
                partner_methodology=partner_methodology,
                reason=excluded.reason if excluded else "",
            )
        )
    else:
        methodology = standard.methodology(entry.methodology)
    site_id = _text(submission.site_id)
    site_binding = entry.methodology if entry is not None and site_id is not None else None

    # Monitoring period
    period = _check_period(submission, agreement, now, checks)
    if period is not None and entry is not None and methodology is not None:
        _check_windows(submission, standard, entry, methodology, period, checks)

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
    checks.extend(_region_checks(_text(submission.region_code), agreement, partner))

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
    origin_block = _check_origin(submission, agreement, reported, basis, checks)

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
        origin_block=origin_block,
        site_binding=site_binding,
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


_RecognitionKey = tuple[str, str, date, date]
# The agreement's recognition windows asked once per partner methodology and
# local days, per standard (immutable; the cache goes with the standard).
_RECOGNISED: WeakKeyDictionary[Standard, dict[_RecognitionKey, bool]] = WeakKeyDictionary()
_RECOGNISED_PER_STANDARD = 8192


def _recognised_on(
    standard: Standard, partner: str, partner_methodology: str, first: date, last: date
) -> bool:
    cache = _RECOGNISED.get(standard)
    if cache is None:
        cache = _RECOGNISED.setdefault(standard, {})
    key = (partner, partner_methodology, first, last)
    found = cache.get(key)
    if found is None:
        found = standard.recognised_on(partner, partner_methodology, first, last)
        if len(cache) >= _RECOGNISED_PER_STANDARD:
            cache.clear()
        cache[key] = found
    return found


def _check_windows(
    submission: ClaimSubmission,
    standard: Standard,
    entry: CrosswalkEntry,
    methodology: Methodology,
    period: Period,
    checks: list[CheckResult],
) -> None:
    first, last = period.first_local_date, period.last_local_date
    vintage = period.vintage
    if not _recognised_on(standard, submission.partner, entry.partner_methodology, first, last):
        checks.append(
            fire(
                "METHODOLOGY_NOT_RECOGNISED",
                field="partner_methodology",
                partner_methodology=entry.partner_methodology,
                vintage=vintage,
            )
        )
    checks.extend(effectiveness_checks(methodology, period))
    limit = methodology.max_period_days.value
    if period.whole_days > limit:
        checks.append(
            fire("PERIOD_TOO_LONG", field="period_end", days=period.whole_days, limit=limit)
        )


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
    standard: Standard,
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
    standard: Standard,
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


def _check_origin(
    submission: ClaimSubmission,
    agreement: Agreement | None,
    reported: Decimal | None,
    basis: Basis | None,
    checks: list[CheckResult],
) -> OriginBlock | None:
    serial = _text(submission.origin_serial)
    status = submission.origin_status
    parsed: ParsedSerial | None = None
    if serial is not None:
        if status is OriginStatus.NOT_ISSUED:
            checks.append(fire("ORIGIN_SERIAL_UNEXPECTED", field="origin_serial", serial=serial))
        else:
            parser = PARSERS.get(agreement.origin_serial_format or "") if agreement else None
            if parser is None:
                checks.append(
                    fire(
                        "ORIGIN_SERIAL_MALFORMED",
                        field="origin_serial",
                        serial=serial,
                        reason="the partner's agreement names no origin serial format",
                    )
                )
            else:
                try:
                    parsed = parser(serial)
                except SerialError as exc:
                    checks.append(
                        fire(
                            "ORIGIN_SERIAL_MALFORMED",
                            field="origin_serial",
                            serial=serial,
                            reason=str(exc),
                        )
                    )
    if parsed is not None:
        project_id = _text(submission.project_id)
        if parsed.project_id != project_id and (basis is Basis.PROJECT or parsed.project_id):
            checks.append(
                fire(
                    "ORIGIN_SERIAL_PROJECT_MISMATCH",
                    field="origin_serial",
                    serial=serial,
                    project_id=project_id or "",
                )
            )
    if status is OriginStatus.ISSUED:
        if serial is None:
            checks.append(fire("ORIGIN_ISSUED_WITHOUT_SERIAL", field="origin_serial"))
        elif parsed is not None:
            checks.append(fire("AWAITING_SOURCE_CANCELLATION", field="origin_status"))
            if reported is not None and parsed.block.units != floor(reported):
                checks.append(
                    fire(
                        "ORIGIN_SERIAL_QUANTITY_MISMATCH",
                        field="origin_serial",
                        units=parsed.block.units,
                        reported=reported,
                    )
                )
    elif status is OriginStatus.CANCELLED:
        checks.append(fire("ORIGIN_CANCELLED_ELSEWHERE", field="origin_status", serial=serial))
    return parsed.block if parsed is not None else None


# --- Projects ------------------------------------------------------------------

_PROJECT_REQUIRED_FIELDS = (
    "project_id",
    "name",
    "owner_name",
    "owner_credit_code",
    "partner_methodology",
    "region_code",
    "longitude",
    "latitude",
    "size_value",
    "size_unit",
    "crediting_start",
    "crediting_end",
)


def assess_project(submission: ProjectSubmission, standard: Standard) -> ProjectAssessment:
    """Every registration check on one partner project; the Project when none rejects it."""
    checks: list[CheckResult] = []
    values = {name: getattr(submission, name).strip() for name in _PROJECT_REQUIRED_FIELDS}
    for name, value in values.items():
        if not value:
            checks.append(fire("PROJECT_FIELD_MISSING", field=name))
    partner = submission.partner
    agreement = standard.agreement(partner)
    if agreement is None:
        checks.append(fire("PARTNER_NOT_RECOGNISED", field="partner", partner=partner))
    partner_methodology = values["partner_methodology"]
    entry = standard.crosswalk_entry(partner, partner_methodology) if partner_methodology else None
    methodology: Methodology | None = None
    if entry is None and partner_methodology:
        excluded = standard.exclusion(partner, partner_methodology)
        checks.append(
            fire(
                "METHODOLOGY_NOT_IN_CROSSWALK",
                field="partner_methodology",
                partner=partner,
                partner_methodology=partner_methodology,
                reason=excluded.reason if excluded else "",
            )
        )
    elif entry is not None:
        methodology = standard.methodology(entry.methodology)
        if standard.basis(entry) is not Basis.PROJECT:
            checks.append(
                fire(
                    "PROJECT_BASIS_MISMATCH",
                    field="partner_methodology",
                    partner_methodology=partner_methodology,
                )
            )

    code = values["owner_credit_code"]
    schemes = agreement.owner_id_schemes if agreement is not None else [OwnerIdScheme.USCC]
    checks.extend(owner_id_checks(code, schemes))

    region_code = values["region_code"]
    checks.extend(_region_checks(region_code or None, agreement, partner))

    longitude, latitude = values["longitude"], values["latitude"]
    if longitude and latitude:
        lon, lat = parse_decimal(longitude), parse_decimal(latitude)
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            checks.append(
                fire(
                    "COORDINATES_INVALID",
                    field="longitude" if lon is None or not -180 <= lon <= 180 else "latitude",
                    longitude=longitude,
                    latitude=latitude,
                )
            )

    _check_project_size(values, methodology, partner_methodology, checks)

    start = _parse_date(values["crediting_start"])
    end = _parse_date(values["crediting_end"])
    if (
        values["crediting_start"]
        and values["crediting_end"]
        and (start is None or end is None or end < start)
    ):
        checks.append(
            fire(
                "CREDITING_PERIOD_MALFORMED",
                field="crediting_start" if start is None else "crediting_end",
                start=values["crediting_start"],
                end=values["crediting_end"],
            )
        )

    if any(c.severity is Severity.ERROR for c in checks) or start is None or end is None:
        return ProjectAssessment(project=None, checks=tuple(checks))
    project = Project(
        partner=partner,
        project_id=values["project_id"],
        name=values["name"],
        owner_name=values["owner_name"],
        owner_credit_code=code,
        partner_methodology=partner_methodology,
        region_code=region_code,
        longitude=longitude,
        latitude=latitude,
        size_value=values["size_value"],
        size_unit=values["size_unit"],
        crediting_start=start,
        crediting_end=end,
        status=submission.status,
        asset_fingerprint=_asset_key(entry, latitude, longitude, values),
    )
    return ProjectAssessment(project=project, checks=tuple(checks))


def _asset_key(
    entry: CrosswalkEntry | None, latitude: str, longitude: str, values: dict[str, str]
) -> str | None:
    lat, lon, size = (
        parse_decimal(latitude),
        parse_decimal(longitude),
        parse_decimal(values["size_value"]),
    )
    if entry is None or lat is None or lon is None or size is None:
        return None
    found = fingerprint(entry.methodology, lat, lon, size, values["size_unit"])
    return None if found is None else found.key


def _check_project_size(
    values: dict[str, str],
    methodology: Methodology | None,
    partner_methodology: str,
    checks: list[CheckResult],
) -> None:
    size_text, unit = values["size_value"], values["size_unit"]
    if not size_text or not unit:
        return
    size = parse_decimal(size_text)
    if size is None or size <= 0:
        checks.append(fire("PROJECT_SIZE_MALFORMED", field="size_value", value=size_text))
    if methodology is None:
        return
    if unit not in methodology.size_units:
        checks.append(
            fire(
                "PROJECT_SIZE_UNIT_INVALID",
                field="size_unit",
                unit=unit,
                partner_methodology=partner_methodology,
                accepted=", ".join(methodology.size_units),
            )
        )
        return
    limit = methodology.max_size
    if (
        size is not None
        and size > 0
        and limit is not None
        and units.convert(size, unit, limit.unit) > limit.value
    ):
        checks.append(
            fire(
                "PROJECT_SIZE_EXCEEDS_LIMIT",
                field="size_value",
                size=f"{size_text} {unit}",
                limit=f"{limit.value} {limit.unit}",
            )
        )


def _parse_date(text: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _region_checks(
    region_code: str | None, agreement: Agreement | None, partner: str
) -> tuple[CheckResult, ...]:
    """A site's GB/T 2260 code must exist and lie inside the partner's region."""
    if region_code is None:
        return ()
    prefix = agreement.region.gbt2260_prefix if agreement is not None else None
    return _region_code_checks(region_code, prefix, partner)


# Every claim of a site repeats its region: its checks (immutable results)
# are made once per code, partner region and partner.
@lru_cache(maxsize=4096)
def _region_code_checks(
    region_code: str, prefix: str | None, partner: str
) -> tuple[CheckResult, ...]:
    if not regions.is_valid_code(region_code):
        return (fire("REGION_CODE_INVALID", field="region_code", region_code=region_code),)
    if prefix is not None and not regions.within(region_code, prefix):
        return (
            fire(
                "SITE_OUTSIDE_PARTNER_REGION",
                field="region_code",
                region_code=region_code,
                partner=partner,
            ),
        )
    return ()
