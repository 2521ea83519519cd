"""A person's travel rows keyed by the person's first eight bytes (issue 18).

``person_travel_days`` kept, for every day a mobility claim touches, the
person's whole stored form (a digest's 32 bytes) in its key (day, person,
claim_id): 76 bytes a personal claim on SQLite. Its reader finds a batch's
(day, person) rows and reads each row's claim for its decision anyway; the
claim names the person (``claims.person_pseudonym``, the same stripped
pseudonym). Now the key is (day, person_prefix, claim_id), the prefix the
first eight bytes of the person's stored form (hub.storage.person_prefix),
and the reader keeps the rows whose claim names the person.

* SQLite: the table (WITHOUT ROWID) is rebuilt with ``person_prefix BLOB``;
* PostgreSQL: the column is renamed and cut to its first eight bytes, the
  table rewritten (``ALTER COLUMN ... TYPE bytea USING``).

Downgrade gives every row its claim's person back (rows whose claim names
no person, which the hub never writes, are kept with their prefix); on
PostgreSQL by an UPDATE of every row (a subquery cannot rewrite a column's
values as the upgrade does), then the table written afresh.

Revision ID: 0041_travel_person_prefix
Revises: 0040_adjustment_index
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0041_travel_person_prefix"
down_revision: str | None = "0040_adjustment_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "person_travel_days"
PREFIX = 8


def _sqlite_rebuild(person: str, selected: str) -> None:
    op.execute(
        f"""
        CREATE TABLE person_travel_days_new (
            day DATE NOT NULL,
            {person} NOT NULL,
            claim_id VARCHAR(64) NOT NULL,
            passenger_km VARCHAR(64) NOT NULL,
            CONSTRAINT pk_person_travel_days PRIMARY KEY (day, {person.split()[0]}, claim_id)
        ) WITHOUT ROWID
        """
    )
    op.execute(
        f"INSERT INTO person_travel_days_new SELECT {selected} FROM {TABLE} AS t ORDER BY 1, 2, 3"
    )
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"ALTER TABLE person_travel_days_new RENAME TO {TABLE}")


# The person of a row on downgrade: its claim's, else the prefix it kept.
_PERSON_BACK = (
    "coalesce((SELECT c.person_pseudonym FROM claims AS c WHERE c.claim_id = t.claim_id),"
    " t.person_prefix)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} RENAME COLUMN person TO person_prefix")
        # Rewritten as a new table, with its key's index built afresh: an
        # UPDATE of every row leaves each old row and index entry behind
        # (the table and its key nearly twice their size, until VACUUM FULL).
        op.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN person_prefix TYPE bytea"
            f" USING substr(person_prefix, 1, {PREFIX})"
        )
        return
    _sqlite_rebuild(
        "person_prefix BLOB", f"t.day, substr(t.person, 1, {PREFIX}), t.claim_id, t.passenger_km"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE {TABLE} AS t SET person_prefix = {_PERSON_BACK}")
        op.execute(f"ALTER TABLE {TABLE} RENAME COLUMN person_prefix TO person")
        # Written afresh, as the upgrade's: the UPDATE left every old row
        # behind. Not ``USING person`` alone: PostgreSQL skips the rewrite
        # when USING leaves a column's contents as they are.
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN person TYPE bytea USING person || ''::bytea")
        return
    _sqlite_rebuild("person VARCHAR(200)", f"t.day, {_PERSON_BACK}, t.claim_id, t.passenger_km")
