"""A person's counted travel, read by person and day.

Implements hub.services.mobility_port.MobilityRepository. Every mobility
claim of a person has one hub.storage.travel_tables row per Shenzhen day its
period touches, with its passenger-km (the normalised activity value), written
with the claim; a batch's travel is found by those rows' key (person, day)
and joined to the claims for whether each still counts (ACCEPTED or HELD) and
its period. The cost of a look-up is the travel of the batch's days, not the
person's whole history (docs/ingestion-profile.md, "Points and travel").
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.mobility import DAY_ZONE, Travel
from hub.storage.claim_bulk import bulk_insert_values
from hub.storage.claim_tables import ClaimRow
from hub.storage.transaction import Transaction, chunks
from hub.storage.travel_tables import PersonTravelDayRow

__all__ = ["SqlAlchemyMobilityRepository", "person_lock_id"]

_COUNTED = (str(Decision.ACCEPTED), str(Decision.HELD))
# One statement for the whole batch, taking the locks in ascending order (the
# sorted subquery feeds the outer call row by row in that order).
_ADVISORY_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(id)) FROM"
    " (SELECT id FROM unnest(CAST(:ids AS bigint[])) AS t (id) ORDER BY id) AS s"
)
_T = PersonTravelDayRow
_MICROSECOND = timedelta(microseconds=1)
# A travel row's columns, in the order record() gives its values.
_ROW = ("day", "person", "claim_id", "passenger_km")


def person_lock_id(person: str) -> int:
    """The 64-bit advisory lock id of a person's travel (PostgreSQL).

    A hash: two persons sharing one id only wait for each other needlessly.
    """
    digest = hashlib.sha256(b"carbon-hub/person-travel/" + person.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SqlAlchemyMobilityRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def counted_travel(
        self,
        persons: Collection[str],
        methodologies: Collection[str],
        start: datetime,
        end: datetime,
    ) -> list[Travel]:
        wanted = sorted(set(persons))
        if not wanted or not methodologies:
            return []
        connection = self._tx.connection
        if self._tx.dialect == "postgresql":
            # READ COMMITTED: each statement sees what committed before it
            # began, so once the locks are held, the query below sees every
            # claim of these persons committed by a process that held them
            # first. Sorted ids: two batches sharing persons never deadlock.
            # SQLite needs nothing: BEGIN IMMEDIATE serialises writers.
            with self._tx.writing():
                ids = sorted({person_lock_id(p) for p in wanted})
                connection.execute(_ADVISORY_LOCKS, {"ids": ids}).scalar_one()
        # [start, end) is whole Shenzhen days (hub.domain.mobility.window_of): a
        # claim overlaps it exactly when one of its days lies within.
        first = start.astimezone(DAY_ZONE).date()
        last = (end - _MICROSECOND).astimezone(DAY_ZONE).date()
        kinds = sorted(methodologies)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        found: dict[str, Travel] = {}
        for chunk in chunks(wanted):
            rows = connection.execute(
                select(
                    _T.claim_id,
                    _T.person,
                    _T.passenger_km,
                    ClaimRow.period_start,
                    ClaimRow.period_end,
                )
                .join(ClaimRow, ClaimRow.claim_id == _T.claim_id)
                .where(
                    _T.person.in_(chunk),
                    # Each day named: the key's first column is sought for each
                    # day, then each person (a range would scan the days' rows).
                    _T.day.in_(days),
                    ClaimRow.methodology.in_(kinds),
                    ClaimRow.decision.in_(_COUNTED),
                )
            ).all()
            for claim_id, person, passenger_km, period_start, period_end in rows:
                if claim_id in found or period_start is None or period_end is None:
                    continue  # one row per day: a claim of several days is counted once
                if not (period_start < end and period_end > start):
                    continue
                found[claim_id] = Travel(person, period_start, period_end, Decimal(passenger_km))
        return list(found.values())

    def record(self, travel: Sequence[tuple[str, Travel]]) -> None:
        # One tuple per row, the trip's days as the batch decision made them.
        rows: list[tuple[date, str, str, str]] = []
        for claim_id, trip in travel:
            person, passenger_km = trip.person, str(trip.passenger_km)
            for day, _ in trip.days:
                rows.append((day, person, claim_id, passenger_km))
        if not rows:
            return
        with self._tx.writing() as connection:
            bulk_insert_values(connection, PersonTravelDayRow, _ROW, rows)
