"""Plausibility of a project's claimed activity against its registered capacity.

The methodology's flat bound (plausible_max) is sized for its largest
project: for distributed PV, 1 MW running 24 hours a day. A 380 kW roof
claiming 700,000 kWh in a month (61 full-load hours a day) passes that bound
and is still impossible. Where the methodology gives a bound per unit of
capacity (plausible_per_capacity: kWh per kW per day, i.e. full-load hours a
day), the claim is held for review when its activity exceeds the registered
capacity times that bound times the calendar days of the period.

Holding, not rejecting: a wrong capacity in the registration is as likely as
a wrong quantity in the claim, and the bureau decides which.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hub.domain import units
from hub.domain.checks import CheckResult, fire
from hub.domain.methodologies import Methodology
from hub.domain.normalisation import parse_decimal
from hub.domain.periods import Period
from hub.domain.projects import Project

CAPACITY_CHECK = "ACTIVITY_EXCEEDS_CAPACITY"


def capacity_checks(
    methodology: Methodology, project: Project | None, period: Period, activity: Decimal
) -> tuple[CheckResult, ...]:
    """The capacity-scaled bound on ``activity`` (in the methodology's activity unit)."""
    bound = methodology.plausible_per_capacity
    if bound is None or project is None:
        return ()
    size = parse_decimal(project.size_value)
    if size is None or size <= 0 or not units.convertible(project.size_unit, bound.capacity_unit):
        return ()
    capacity = units.convert(size, project.size_unit, bound.capacity_unit)
    days = Decimal(period.whole_days)
    limit = capacity * bound.value * days
    if activity <= limit:
        return ()
    # Full-load hours a day, for a reviewer: the figure a plant's owner recognises.
    per_day = (activity / capacity / days).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    return (
        fire(
            CAPACITY_CHECK,
            field="activity_quantity",
            value=activity,
            unit=methodology.activity_unit,
            capacity=f"{project.size_value} {project.size_unit}",
            project_id=project.project_id,
            days=period.whole_days,
            per_day=per_day,
            bound=bound.value,
            limit=f"{limit.normalize():f}",
        ),
    )
