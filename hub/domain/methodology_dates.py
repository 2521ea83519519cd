"""Whether a Shenzhen methodology applies to an activity, by the activity's dates.

A methodology applies to activity on or after the day it came into force
(effective_from) and not after the day it was withdrawn (effective_to): the
dates compared are the activity's own local dates, never the day the claim
arrives. A monitoring period that starts before the methodology came into
force is not covered by it, in part or in whole.

Where the standard credits earlier activity under a methodology anyway
(credits_activity_from: the hub's rule, with its source, not the
methodology's), the claim says so with an INFO check naming the day the
methodology came into force and the day the hub's rule starts: the number is
kept, and nobody can read it as the methodology's own.

The vintage window (the years of the period's end a methodology credits) is
checked here too: it is the same question asked by year.
"""

from __future__ import annotations

from hub.domain.checks import CheckResult, fire
from hub.domain.methodologies import Methodology
from hub.domain.periods import Period

NOT_EFFECTIVE = "METHODOLOGY_NOT_EFFECTIVE"
APPLIED_EARLY = "METHODOLOGY_APPLIED_BEFORE_IN_FORCE"


def effectiveness_checks(methodology: Methodology, period: Period) -> tuple[CheckResult, ...]:
    first, last = period.first_local_date, period.last_local_date
    vintage = period.vintage
    early = methodology.credits_activity_from
    reason, field = "", "period_end"
    applied_early = False
    if methodology.effective_to is not None and last > methodology.effective_to:
        reason = f"withdrawn after {methodology.effective_to}; the activity runs to {last}"
    elif first < methodology.effective_from:
        if early is not None and first >= early.value:
            applied_early = True
        else:
            reason = f"in force from {methodology.effective_from}; the activity starts {first}"
            field = "period_start"
    window = methodology.vintages
    outside = vintage < window.first or (window.last is not None and vintage > window.last)
    if not reason and outside:
        reason = f"credits vintages {window.first}-{window.last or ''}"
    if reason:
        return (
            fire(
                NOT_EFFECTIVE,
                field=field,
                methodology=methodology.id,
                vintage=vintage,
                reason=reason,
            ),
        )
    if applied_early and early is not None:
        return (
            fire(
                APPLIED_EARLY,
                field="period_start",
                methodology=methodology.id,
                effective_from=methodology.effective_from,
                activity_from=first,
                credits_from=early.value,
                provisional=str(early.provisional).lower(),
            ),
        )
    return ()
