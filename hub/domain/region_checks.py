"""Whether a site's region code exists and lies inside the partner's region.

Claims and project registrations name the site's GB/T 2260 code; it must be
a real code (hub.domain.regions) and lie under the prefix of the partner's
region in its agreement.
"""

from __future__ import annotations

from functools import lru_cache

from hub.domain import regions
from hub.domain.agreements import Agreement
from hub.domain.checks import CheckResult, fire


def region_checks(
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
