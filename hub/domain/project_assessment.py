"""Conformity of one partner project registration with the Shenzhen standard.

``assess_project`` runs every registration check that applies (required
fields, partner and crosswalk, the owner's identifier, the site's region
and coordinates, size against the methodology's units and limit, the
crediting period's dates) and lists all that fired; the period's length and
its renewal depend on the project as stored, so the service asks
hub.domain.crediting_periods. The project is built only when
none of them rejects it; whether it describes an asset already registered
is the service's question (hub.domain.asset_matching), asked with the
fingerprint made here.

Details of each check name the ProjectSubmission field at fault as
``field`` so adapters can point at the partner's column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import ProjectSubmission
from hub.domain import units
from hub.domain.asset_fingerprints import fingerprint
from hub.domain.checks import CheckResult, fire
from hub.domain.crosswalk_resolution import resolve_methodology
from hub.domain.crosswalks import CrosswalkEntry
from hub.domain.methodologies import Basis, Methodology
from hub.domain.normalisation import parse_decimal
from hub.domain.owner_ids import OwnerIdScheme, owner_id_checks
from hub.domain.projects import Project
from hub.domain.region_checks import region_checks
from hub.domain.standard_terms import StandardTerms


@dataclass(frozen=True, slots=True)
class ProjectAssessment:
    project: Project | None  # None when rejected
    checks: tuple[CheckResult, ...]
    # The Shenzhen methodology the partner's methodology maps to, when it does:
    # its crediting rule is checked against the stored project by the service
    # (hub.domain.crediting_periods), which alone knows whether this renews it.
    methodology: Methodology | None = None


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


def assess_project(submission: ProjectSubmission, standard: StandardTerms) -> ProjectAssessment:
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
    entry: CrosswalkEntry | None = None
    methodology: Methodology | None = None
    # A missing partner methodology is PROJECT_FIELD_MISSING alone.
    if partner_methodology:
        resolution = resolve_methodology(standard, partner, partner_methodology)
        entry, methodology = resolution.entry, resolution.methodology
        if resolution.refusal is not None:
            checks.append(resolution.refusal)
    if entry is not None and standard.basis(entry) is not Basis.PROJECT:
        checks.append(
            fire(
                "PROJECT_BASIS_MISMATCH",
                field="partner_methodology",
                partner_methodology=partner_methodology,
            )
        )

    code = values["owner_credit_code"]
    schemes = agreement.owner_id_schemes if agreement is not None else (OwnerIdScheme.USCC,)
    checks.extend(owner_id_checks(code, schemes))

    region_code = values["region_code"]
    # In force when the crediting period starts (without a readable start: in any list held).
    crediting_start = _parse_date(values["crediting_start"])
    days = (crediting_start,) if crediting_start is not None else ()
    checks.extend(
        region_checks(region_code or None, agreement, partner, standard.region_codes, days)
    )

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
        return ProjectAssessment(project=None, checks=tuple(checks), methodology=methodology)
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
        asset_fingerprint=_asset_key(entry, methodology, latitude, longitude, values),
    )
    return ProjectAssessment(project=project, checks=tuple(checks), methodology=methodology)


def _asset_key(
    entry: CrosswalkEntry | None,
    methodology: Methodology | None,
    latitude: str,
    longitude: str,
    values: dict[str, str],
) -> str | None:
    lat, lon, size = (
        parse_decimal(latitude),
        parse_decimal(longitude),
        parse_decimal(values["size_value"]),
    )
    if entry is None or lat is None or lon is None or size is None:
        return None
    # The asset family is the methodology's first id, so a project registered
    # after a rename is found beside those indexed before it.
    family = methodology.asset_family if methodology is not None else entry.methodology
    found = fingerprint(family, lat, lon, size, values["size_unit"])
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
