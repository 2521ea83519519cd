"""Whether a site's region code exists, is in force, and lies inside the partner's region.

Claims and project registrations name the site's GB/T 2260 code. It must
have the shape of one (six digits under a province-level prefix,
hub.domain.regions), be listed in the GB/T 2260 list in force for the
activity's date (hub.domain.region_codes: a code retired before the activity,
or created after it, is not), and lie under the prefix of the partner's region
in its agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from hub.domain import regions
from hub.domain.agreements import Agreement
from hub.domain.checks import CheckResult, fire
from hub.domain.region_codes import CodeStanding, RegionCodeList


def region_checks(
    region_code: str | None,
    agreement: Agreement | None,
    partner: str,
    codes: RegionCodeList | None = None,
    activity_days: Sequence[date] = (),
) -> tuple[CheckResult, ...]:
    """A site's GB/T 2260 code must be in force on the activity's days, inside the partner's region.

    ``activity_days`` are the local days the code must be in force on (any
    one of them suffices: a monitoring period's first and last day, a
    crediting period's start); none given, the code must be in some list the
    hub holds. Without ``codes`` only the shape and the region are checked.
    """
    if region_code is None:
        return ()
    prefix = agreement.region.gbt2260_prefix if agreement is not None else None
    return _region_code_checks(region_code, prefix, partner, codes, tuple(sorted(activity_days)))


# Every claim of a site repeats its region and, mostly, its days: the checks
# (immutable results) are made once per code, partner region, partner, list and days.
@lru_cache(maxsize=4096)
def _region_code_checks(
    region_code: str,
    prefix: str | None,
    partner: str,
    codes: RegionCodeList | None,
    days: tuple[date, ...],
) -> tuple[CheckResult, ...]:
    if not regions.is_valid_code(region_code):
        return (fire("REGION_CODE_INVALID", field="region_code", region_code=region_code),)
    checks: list[CheckResult] = []
    if codes is not None:
        checks.extend(_listed_checks(region_code, codes, days))
    if prefix is not None and not regions.within(region_code, prefix):
        checks.append(
            fire(
                "SITE_OUTSIDE_PARTNER_REGION",
                field="region_code",
                region_code=region_code,
                partner=partner,
            )
        )
    return tuple(checks)


def _listed_checks(
    region_code: str, codes: RegionCodeList, days: tuple[date, ...]
) -> tuple[CheckResult, ...]:
    standing = codes.standing(region_code, days)
    if standing is CodeStanding.IN_FORCE:
        return ()
    if standing is CodeStanding.UNKNOWN:
        return (
            fire(
                "REGION_CODE_UNKNOWN",
                field="region_code",
                region_code=region_code,
                editions=", ".join(e.edition for e in codes.editions),
            ),
        )
    change = codes.change(region_code)
    successors = (
        ", ".join(f"{code} {codes.name(code) or ''}".strip() for code in change.successors)
        if change is not None and change.successors
        else "-"
    )
    return (
        fire(
            "REGION_CODE_NOT_IN_FORCE",
            field="region_code",
            region_code=region_code,
            name=codes.name(region_code) or "",
            activity_date=" / ".join(d.isoformat() for d in days),
            editions=", ".join(codes.editions_on(days)),
            listed_in=", ".join(e.edition for e in codes.editions if region_code in e.codes),
            successors=successors,
        ),
    )
