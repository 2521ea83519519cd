"""A person's counted travel, read from the claims it was counted in.

Implements hub.services.mobility_port.MobilityRepository. The passenger-km
of a claim is its normalised activity value (mobility methodologies count
in pkm), kept in the claim's ``normalised`` JSON; the rows are found by the
(person_pseudonym, period_start) index of migration 0007.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, text

from hub.domain.claims import Decision
from hub.domain.mobility import Travel
from hub.storage.tables import ClaimRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyMobilityRepository", "person_lock_id"]

_COUNTED = (str(Decision.ACCEPTED), str(Decision.HELD))
# One statement for the whole batch, taking the locks in ascending order (the
# sorted subquery feeds the outer call row by row in that order).
_ADVISORY_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(id)) FROM"
    " (SELECT id FROM unnest(CAST(:ids AS bigint[])) AS t (id) ORDER BY id) AS s"
)


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
        found: list[Travel] = []
        for chunk in chunks(wanted):
            rows = connection.execute(
                select(
                    ClaimRow.person_pseudonym,
                    ClaimRow.period_start,
                    ClaimRow.period_end,
                    ClaimRow.normalised,
                ).where(
                    ClaimRow.person_pseudonym.in_(chunk),
                    ClaimRow.period_start < end,
                    ClaimRow.period_end > start,
                    ClaimRow.methodology.in_(sorted(methodologies)),
                    ClaimRow.decision.in_(_COUNTED),
                )
            )
            for person, period_start, period_end, normalised_json in rows:
                if person is None or period_start is None or period_end is None:
                    continue
                if normalised_json is None:
                    continue
                # Only the activity value is read: the rest of the document
                # (its trace may point to the verdict's) is not needed here.
                activity = Decimal(json.loads(normalised_json)["activity_value"])
                found.append(Travel(person, period_start, period_end, activity))
        return found
