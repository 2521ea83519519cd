"""A figure of the Shenzhen standard together with where it comes from.

Every number the standard gives (a factor, a cap, a bound, a period, a
deadline) names its source and whether it is provisional, so a trace, a
check or a report can say which figures are still to be confirmed.
hub.standard validates them when it loads the standard's files and hands
them to the domain as these plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Sourced:
    """A decimal figure (a share, a cap, a distance) and its source."""

    value: Decimal
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcedInt:
    """A whole figure (days, years) and its source."""

    value: int
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcedDay:
    """A date (the start of a rule) and its source."""

    value: date
    source: str
    provisional: bool
