"""The GB/T 2260 code lists the hub holds, and which of them is in force on a day.

The Ministry of Civil Affairs publishes the list of administrative division
codes at and above county level once a year, as of 31 December. Codes change
between lists: a county becomes a district or a city under a new code, two
districts merge. The hub holds several lists (editions, standards/gbt2260.yaml
and gbt2260.csv, converted by hub.standard) and checks a site's code against
the list(s) in force for the activity's date:

- a day takes the edition at the start of its period (the latest edition
  dated before the day) and the edition at its end (the earliest dated on or
  after it): a code changed during a year is valid for that year under its
  old and its new number;
- a day after the newest edition takes the newest alone, a day before the
  oldest takes the oldest alone.

Pure: the standard library only.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class RegionEdition:
    edition: str  # e.g. "2021"
    as_of: date  # the day the list describes (31 December of its year)
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class RegionChange:
    """A code retired after ``retired_after``, and the codes its area went to."""

    code: str
    name: str
    retired_after: str  # the last edition listing the code
    successors: tuple[str, ...]


class CodeStanding(StrEnum):
    IN_FORCE = "IN_FORCE"  # in a list in force on the day
    NOT_IN_FORCE = "NOT_IN_FORCE"  # in some list the hub holds, not in one in force then
    UNKNOWN = "UNKNOWN"  # in no list the hub holds


class RegionCodeList:
    """Every GB/T 2260 edition the hub holds. Immutable."""

    def __init__(
        self,
        editions: Iterable[RegionEdition],
        names: Mapping[str, str],
        changes: Iterable[RegionChange] = (),
    ) -> None:
        ordered = tuple(sorted(editions, key=lambda e: e.as_of))
        if not ordered:
            raise ValueError("a GB/T 2260 code list needs at least one edition")
        if len({e.as_of for e in ordered}) != len(ordered):
            raise ValueError("two GB/T 2260 editions describe the same day")
        self.editions: tuple[RegionEdition, ...] = ordered
        self._days = tuple(e.as_of for e in ordered)
        self._names = dict(names)
        self._changes = {c.code: c for c in changes}
        self._all: frozenset[str] = frozenset().union(*(e.codes for e in ordered))

    @property
    def newest(self) -> RegionEdition:
        return self.editions[-1]

    def name(self, code: str) -> str | None:
        return self._names.get(code)

    def change(self, code: str) -> RegionChange | None:
        return self._changes.get(code)

    def listed(self, code: str) -> bool:
        """True when some edition the hub holds lists ``code``."""
        return code in self._all

    def in_force_on(self, day: date) -> tuple[RegionEdition, ...]:
        """The edition(s) in force for an activity on ``day`` (oldest first)."""
        after = bisect.bisect_left(self._days, day)  # first edition dated on or after day
        if after == len(self.editions):
            return (self.editions[-1],)
        if after == 0:
            return (self.editions[0],)
        return (self.editions[after - 1], self.editions[after])

    def standing(self, code: str, days: Iterable[date]) -> CodeStanding:
        """Whether ``code`` is in force on any of ``days`` (none given: in any edition)."""
        if code not in self._all:
            return CodeStanding.UNKNOWN
        wanted = tuple(days)
        if not wanted:
            return CodeStanding.IN_FORCE
        for day in wanted:
            if any(code in edition.codes for edition in self.in_force_on(day)):
                return CodeStanding.IN_FORCE
        return CodeStanding.NOT_IN_FORCE

    def editions_on(self, days: Iterable[date]) -> tuple[str, ...]:
        """The names of the editions in force on any of ``days``, oldest first."""
        seen: dict[str, None] = {}
        for day in sorted(days):
            for edition in self.in_force_on(day):
                seen.setdefault(edition.edition, None)
        return tuple(seen)
