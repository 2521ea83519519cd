"""In-memory MobilityRepository over the fake store's claims (tests.fakes)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Any

from hub.domain.mobility import Travel

_COUNTED = ("ACCEPTED", "HELD")


class FakeMobilityRepository:
    """Reads the claims of the unit of work's state; ``state`` returns it."""

    def __init__(self, state: Callable[[], Any]) -> None:
        self._state = state

    def counted_travel(
        self, days: Collection[tuple[str, date]], methodologies: Collection[str]
    ) -> list[Travel]:
        wanted, kinds = set(days), set(methodologies)
        found: list[Travel] = []
        # In claim id order, as the database repository returns them.
        for _, row in sorted(self._state().claims.items()):
            normalised = row.record.normalised
            person = (row.record.submission.person_pseudonym or "").strip()
            if (
                normalised is None
                or row.decision not in _COUNTED
                or normalised.methodology not in kinds
            ):
                continue
            travel = Travel(
                person, normalised.period_start, normalised.period_end, normalised.activity_value
            )
            if any((person, day) in wanted for day, _ in travel.days):
                found.append(travel)
        return found

    def record(self, travel: Sequence[tuple[str, Travel]]) -> None:
        """Nothing to keep: counted_travel reads the fake store's claims."""
