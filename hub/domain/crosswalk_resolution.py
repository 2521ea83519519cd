"""Which Shenzhen methodology a partner methodology maps to, and whether it covers a period.

A partner methodology reaches Shenzhen through the partner's crosswalk: an
entry names the Shenzhen methodology; a methodology the crosswalk lacks is
refused (METHODOLOGY_NOT_IN_CROSSWALK), with the crosswalk's reason where
it lists the methodology as deliberately excluded. Claims and project
registrations both resolve their methodology here.

A claim's monitoring period must then lie in one of the agreement's
recognition windows for the partner methodology, within the methodology's
dates and vintages (hub.domain.methodology_dates), and be no longer than
the methodology allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from weakref import WeakKeyDictionary

from hub.domain.checks import CheckResult, fire
from hub.domain.crosswalks import CrosswalkEntry
from hub.domain.methodologies import Methodology
from hub.domain.methodology_dates import effectiveness_checks
from hub.domain.periods import Period
from hub.domain.standard_terms import StandardTerms


@dataclass(frozen=True, slots=True)
class Resolution:
    """A partner methodology in Shenzhen's terms, or the check refusing it."""

    entry: CrosswalkEntry | None  # None when the crosswalk has no entry for it
    methodology: Methodology | None  # the entry's Shenzhen methodology
    refusal: CheckResult | None  # METHODOLOGY_NOT_IN_CROSSWALK when there is no entry


def resolve_methodology(
    standard: StandardTerms, partner: str, partner_methodology: str
) -> Resolution:
    """The crosswalk entry and Shenzhen methodology of ``partner_methodology``."""
    entry = standard.crosswalk_entry(partner, partner_methodology)
    if entry is None:
        excluded = standard.exclusion(partner, partner_methodology)
        refusal = fire(
            "METHODOLOGY_NOT_IN_CROSSWALK",
            field="partner_methodology",
            partner=partner,
            partner_methodology=partner_methodology,
            reason=excluded.reason if excluded else "",
        )
        return Resolution(entry=None, methodology=None, refusal=refusal)
    methodology = standard.methodology(entry.methodology)
    return Resolution(entry=entry, methodology=methodology, refusal=None)


_RecognitionKey = tuple[str, str, date, date]
# The agreement's recognition windows asked once per partner methodology and
# local days, per standard (immutable; the cache goes with the standard).
_RECOGNISED: WeakKeyDictionary[StandardTerms, dict[_RecognitionKey, bool]] = WeakKeyDictionary()
_RECOGNISED_PER_STANDARD = 8192


def _recognised_on(
    standard: StandardTerms, partner: str, partner_methodology: str, first: date, last: date
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


def window_checks(
    standard: StandardTerms,
    partner: str,
    entry: CrosswalkEntry,
    methodology: Methodology,
    period: Period,
) -> tuple[CheckResult, ...]:
    """Recognition, effectiveness and length of a claim's monitoring period."""
    checks: list[CheckResult] = []
    first, last = period.first_local_date, period.last_local_date
    vintage = period.vintage
    if not _recognised_on(standard, partner, entry.partner_methodology, first, last):
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
    return tuple(checks)
