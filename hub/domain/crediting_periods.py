"""A project's crediting period against its methodology's maximum and renewal rule.

A project-based methodology admits one or more crediting options
(hub.domain.methodologies.CreditingRule): a period of so many years that
may be renewed so many times (CDM and the CCER rules modelled on it: 7
years renewable twice or 10 fixed; for forest sinks 20 renewable twice or
30 fixed). A project may take any option: the hub is not told which one the
partner's registry chose, so a period is accepted when some option admits it.

- A first registration (or one that moves the crediting start) covers one
  crediting period: it may run at most the longest ``years`` of the options
  (CREDITING_PERIOD_TOO_LONG otherwise).
- A later registration with the same start and a later end is a renewal. The
  periods of an option are counted from the start (the k-th ends the day
  before the start's anniversary k × ``years`` on), and a renewal may add at
  most one further period, up to the option's ``renewals``
  (CREDITING_RENEWAL_NOT_ALLOWED otherwise). A registration that keeps or
  shortens the end is no renewal and passes.

Refused registrations leave the stored project as it was, so a claim whose
activity lies beyond the period the hub accepted stays PERIOD_OUTSIDE_CREDITING
(hub.domain.claim_assessment).
"""

from __future__ import annotations

from datetime import date, timedelta

from hub.domain.checks import CheckResult, fire
from hub.domain.methodologies import CreditingOption, CreditingRule, Methodology
from hub.domain.projects import Project

TOO_LONG = "CREDITING_PERIOD_TOO_LONG"
RENEWAL_NOT_ALLOWED = "CREDITING_RENEWAL_NOT_ALLOWED"


def anniversary(start: date, years: int) -> date:
    """The day ``years`` years after ``start`` (29 February falls on 1 March)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def last_day(start: date, years: int) -> date:
    """The last day of a crediting period of ``years`` years beginning on ``start``."""
    return anniversary(start, years) - timedelta(days=1)


def periods_used(start: date, end: date, option: CreditingOption) -> int:
    """How many of the option's periods, counted from ``start``, reach ``end`` (at least 1)."""
    count = 1
    while end > last_day(start, count * option.years):
        count += 1
    return count


def _renewal_limit(start: date, previous_end: date, option: CreditingOption) -> date:
    """The latest end a renewal of a period running to ``previous_end`` may have."""
    periods = min(periods_used(start, previous_end, option) + 1, 1 + option.renewals)
    return max(previous_end, last_day(start, periods * option.years))


def crediting_checks(
    methodology: Methodology | None,
    start: date,
    end: date,
    before: Project | None,
) -> tuple[CheckResult, ...]:
    """The checks on a registration's crediting period ``start``..``end`` (inclusive).

    ``before`` is the project as the hub stores it, None for a new one. A
    methodology without a crediting rule (not project-based) checks nothing.
    """
    rule = methodology.crediting if methodology is not None else None
    if methodology is None or rule is None or end < start:
        return ()
    if before is None or before.crediting_start != start:
        return _first_period(methodology.id, rule, start, end)
    previous_end = before.crediting_end
    if end <= previous_end:
        return ()
    latest = max(_renewal_limit(start, previous_end, option) for option in rule.options)
    if end <= latest:
        return ()
    return (
        fire(
            RENEWAL_NOT_ALLOWED,
            field="crediting_end",
            methodology=methodology.id,
            start=start,
            previous_end=previous_end,
            end=end,
            latest=latest,
            longest_years=max(option.longest_years for option in rule.options),
        ),
    )


def _first_period(
    methodology_id: str, rule: CreditingRule, start: date, end: date
) -> tuple[CheckResult, ...]:
    years = max(option.years for option in rule.options)
    latest = last_day(start, years)
    if end <= latest:
        return ()
    return (
        fire(
            TOO_LONG,
            field="crediting_end",
            methodology=methodology_id,
            start=start,
            end=end,
            years=years,
            latest=latest,
        ),
    )
