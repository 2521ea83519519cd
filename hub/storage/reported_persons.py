"""Which persons each partner has reported (``reported_persons``, migration 0035).

A partner's points answer PERSON_NOT_REPORTED for a pseudonym it never sent
(hub.services.points), and a balance of 0 for one it sent in claims that
earned nothing. Until 0035 that was looked up in an index of every claim
by person and period (56 bytes a personal claim on SQLite); now each
(partner, person) is one row, written with the person's first claim from
the partner.

The batch's persons are read first and only the new ones inserted: most of
an envelope's people have claimed before, so a batch writes no row of
another batch's (no wait between hubs on PostgreSQL). A new person that two
hubs add at once is left to the first (ON CONFLICT DO NOTHING), in one
order (sorted), so neither deadlocks.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.claim_tables import ReportedPersonRow
from hub.storage.transaction import chunks

__all__ = ["note_reported", "was_reported"]

_R = ReportedPersonRow


def note_reported(connection: Connection, persons: Collection[tuple[str, str]]) -> None:
    """Keep each (partner, person), the person stripped and not empty."""
    wanted = sorted(set(persons))
    missing: list[tuple[str, str]] = []
    for chunk in chunks(wanted, 400):
        stored = {
            (partner, person)
            for partner, person in connection.execute(
                select(_R.partner, _R.person).where(tuple_(_R.partner, _R.person).in_(chunk))
            )
        }
        missing.extend(pair for pair in chunk if pair not in stored)
    if not missing:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(_R).on_conflict_do_nothing(index_elements=["partner", "person"]),
        [{"partner": partner, "person": person} for partner, person in missing],
    )


def was_reported(connection: Connection, partner: str, person: str) -> bool:
    """True when ``partner`` has reported ``person`` (stripped) in a claim."""
    return (
        connection.execute(
            select(_R.partner).where(_R.partner == partner, _R.person == person)
        ).first()
        is not None
    )
