"""A person's counted travel, read by person and day.

Implements hub.services.mobility_port.MobilityRepository. Every mobility
claim of a person has one hub.storage.travel_tables row per Shenzhen day its
period touches, with its passenger-km (the normalised activity value), written
with the claim; a batch's travel is found by those rows' key (person, day)
and joined to the claims for whether each still counts (ACCEPTED or HELD) and
its period. The cost of a look-up is the travel on the batch's own
(person, day) pairs, not the person's whole history (docs/ingestion-profile.md,
"Points and travel") nor every day between the batch's first and last for each
of its persons ("Twelfth round").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.mobility import Travel
from hub.storage.claim_bulk import bulk_insert_values
from hub.storage.claim_tables import ClaimRow
from hub.storage.hex_digest_column import digest_bytes, digest_text
from hub.storage.hex_id_column import id_text
from hub.storage.person_prefix import person_prefix, prefix_of
from hub.storage.transaction import Transaction, chunks
from hub.storage.travel_queries import postgresql_counted_travel
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
_PERIOD = ClaimRow.__table__.c.period_start.type  # period_end's too


def _counted_sql(marker: str, keys: int, kinds: int) -> str:
    """The claims with a travel row on one of ``keys`` (day, person) pairs.

    The pairs are the outer loop (CROSS JOIN keeps that order on SQLite), each
    sought by the travel key, so the cost is the batch's person-days, not its
    persons times every day between its first and last (migration 0013).
    """
    pairs = ", ".join(f"({marker}, {marker}, {marker})" for _ in range(keys))
    return (
        f"WITH k (day, prefix, person) AS (VALUES {pairs})"
        " SELECT t.claim_id, k.person, t.passenger_km, c.period_start, c.period_end"
        " FROM k CROSS JOIN person_travel_days AS t"
        " JOIN claims AS c ON c.claim_id = t.claim_id"
        " WHERE t.day = k.day AND t.person_prefix = k.prefix"
        # The whole person: another sharing the prefix is left out here.
        " AND c.person_pseudonym = k.person"
        f" AND c.methodology IN ({', '.join(marker for _ in range(kinds))})"
        f" AND c.decision IN ({marker}, {marker})"
    )


def _processor(process: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value


class _Memo:
    """A column's result processor, once per distinct stored value."""

    def __init__(self, process: Callable[[Any], Any] | None) -> None:
        self._process = _processor(process)
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        found = self._seen.get(value, _MISSING)
        if found is _MISSING:
            found = self._seen[value] = self._process(value)
        return found


_MISSING = object()
# A travel row's columns, in the order record() gives its values.
_ROW = ("day", "person_prefix", "claim_id", "passenger_km")


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
        self, days: Collection[tuple[str, date]], methodologies: Collection[str]
    ) -> list[Travel]:
        keys = sorted({(day, person) for person, day in days})
        if not keys or not methodologies:
            return []
        connection = self._tx.connection
        dialect = connection.dialect
        if dialect.name == "postgresql":
            # READ COMMITTED: each statement sees what committed before it
            # began, so once the locks are held, the query below sees every
            # claim of these persons committed by a process that held them
            # first. Sorted ids: two batches sharing persons never deadlock.
            # SQLite needs nothing: BEGIN IMMEDIATE serialises writers.
            with self._tx.writing():
                ids = sorted({person_lock_id(person) for _, person in keys})
                connection.execute(_ADVISORY_LOCKS, {"ids": ids}).scalar_one()
        # Below SQLAlchemy's statement and row machinery, as claim_bulk writes:
        # the day's and the period's own processors convert, once per distinct
        # day and stored period (a delivery's daily aggregates share a few).
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        day_of = _processor(_T.__table__.c.day.type.dialect_impl(dialect).bind_processor(dialect))
        period = _Memo(_PERIOD.dialect_impl(dialect).result_processor(dialect, None))
        kinds = sorted(methodologies)
        # By the claim id as stored (hub.storage.hex_id_column); spelt back
        # once a claim, for the order below.
        found: dict[object, tuple[str, Travel]] = {}
        for chunk in chunks(keys):
            if dialect.name == "postgresql":
                # Probed by key whatever the tables' statistics (travel_queries).
                rows = postgresql_counted_travel(connection, chunk, kinds, _COUNTED)
            else:
                parameters: list[object] = []
                for d, p in chunk:
                    stored = digest_bytes(p)
                    parameters += (day_of(d), prefix_of(stored), stored)
                parameters += [*kinds, *_COUNTED]
                rows = connection.exec_driver_sql(
                    _counted_sql(marker, len(chunk), len(kinds)), tuple(parameters)
                ).fetchall()
            for claim_id, person, passenger_km, period_start, period_end in rows:
                if claim_id in found or period_start is None or period_end is None:
                    continue  # one row per day: a claim of several days is counted once
                found[claim_id] = (
                    id_text(claim_id),
                    Travel(
                        digest_text(person),
                        period(period_start),
                        period(period_end),
                        Decimal(passenger_km),
                    ),
                )
        # In claim id order: the daily total adds shares of several-day trips
        # (decimals that need not terminate), so the order the database
        # returned the rows in must not move its last digit (review finding).
        return [travel for _, travel in sorted(found.values(), key=itemgetter(0))]

    def record(self, travel: Sequence[tuple[str, Travel]]) -> None:
        # One tuple per row, the trip's days as the batch decision made them.
        rows: list[tuple[date, bytes, str, str]] = []
        for claim_id, trip in travel:
            person, passenger_km = trip.person, str(trip.passenger_km)
            prefix = person_prefix(person)
            for day, _ in trip.days:
                rows.append((day, prefix, claim_id, passenger_km))
        if not rows:
            return
        with self._tx.writing() as connection:
            bulk_insert_values(connection, PersonTravelDayRow, _ROW, rows)
