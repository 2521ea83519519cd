"""In-memory MobilityRepository over the fake store's claims (tests.fakes)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from hub.domain.mobility import Travel

_COUNTED = ("ACCEPTED", "HELD")


class FakeMobilityRepository:
    """Reads the claims of the unit of work's state; ``state`` returns it."""

    def __init__(self, state: Callable[[], Any]) -> None:
        self._state = state

    def counted_travel(
        self,
        persons: Collection[str],
        methodologies: Collection[str],
        start: datetime,
        end: datetime,
    ) -> list[Travel]:
        wanted, kinds = set(persons), set(methodologies)
        found: list[Travel] = []
        for row in self._state().claims.values():
            normalised = row.record.normalised
            person = (row.record.submission.person_pseudonym or "").strip()
            if (
                normalised is None
                or row.decision not in _COUNTED
                or person not in wanted
                or normalised.methodology not in kinds
                or not (normalised.period_start < end and normalised.period_end > start)
            ):
                continue
            found.append(
                Travel(
                    person,
                    normalised.period_start,
                    normalised.period_end,
                    normalised.activity_value,
                )
            )
        return found

    def record(self, travel: Sequence[tuple[str, Travel]]) -> None:
        """Nothing to keep: counted_travel reads the fake store's claims."""
