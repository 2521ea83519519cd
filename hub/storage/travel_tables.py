"""Where a person's counted travel is found by day (migration 0013).

Kept apart from hub.storage.tables (one concept per module) but on its
shared MetaData; every module needing the complete metadata imports this one
too (the migrations' env, the unit of work).

One row per Shenzhen day and mobility claim of a person its period touches
(under the person's prefix since 0041),
written in the transaction that records the claim, with the claim's
passenger-km as exact decimal text. The daily plausibility check then reads
a person's travel on the batch's days by key, instead of every earlier claim
of the person through the (person_pseudonym, period_start) index and their
normalised JSON, which cost more with every claim of the person's history.
Whether a claim still counts (ACCEPTED or HELD) is read from its claims row:
a later review or voiding changes only that row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.day_column import CompactDay
from hub.storage.hex_id_column import HexId
from hub.storage.tables import Base

__all__ = ["PersonTravelDayRow"]


class PersonTravelDayRow(Base):
    __tablename__ = "person_travel_days"
    # SQLite: the key's B-tree holds the row (migration 0020): one B-tree
    # written per travel row instead of a rowid table and its key's index.
    __table_args__ = ({"sqlite_with_rowid": False},)

    # The day first: a delivery's claims are mostly of its few days, so their
    # rows append near each other instead of on a random page per person.
    # On SQLite as days since 1970 (hub.storage.day_column, migration 0032).
    day: Mapped[date] = mapped_column(CompactDay, primary_key=True)
    # Since 0041 the first eight bytes of the person's stored form
    # (hub.storage.person_prefix), not the whole 32: a reader finds the rows
    # by (day, prefix) and keeps those whose claim names the person
    # (claims.person_pseudonym, the claim's stripped pseudonym, as the
    # travel's), which it reads for the claim's decision anyway.
    person_prefix: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    claim_id: Mapped[str] = mapped_column(HexId, primary_key=True)
    # The claim's normalised activity value (pkm), exactly as str(Decimal).
    passenger_km: Mapped[str] = mapped_column(String(64))
