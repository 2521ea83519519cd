"""The storage port for a person's counted travel (hub.domain.mobility)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Protocol

from hub.domain.mobility import Travel


class MobilityRepository(Protocol):
    def counted_travel(
        self, days: Collection[tuple[str, date]], methodologies: Collection[str]
    ) -> list[Travel]:
        """The ACCEPTED or HELD claims under ``methodologies`` whose period
        touches one of ``days`` ((pseudonym stripped, Shenzhen day) pairs) of
        its person, as Travel: each claim once, whatever other days it touches.

        Called before the batch's locks are looked up: it first makes other
        transactions deciding travel of the same persons wait until this one
        ends (PostgreSQL: an advisory transaction lock per person, taken in
        one order; SQLite: BEGIN IMMEDIATE serialises writers anyway), so a
        daily total read here stays true until the batch commits.
        """
        ...

    def record(self, travel: Sequence[tuple[str, Travel]]) -> None:
        """Keep the travel of new mobility claims of persons, by claim id,
        whatever their decision (whether a claim counts is its decision's,
        which a review or voiding may change later), in the transaction that
        records the claims."""
        ...
