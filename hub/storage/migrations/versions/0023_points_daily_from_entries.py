"""The daily cap reads the awards themselves; ``points_daily`` goes (issue 14).

Every award upserted its (partner, day, person, methodology) row of
``points_daily``, the total the daily cap is checked against (migration
0013), besides inserting its ``points_entries`` row. That total is by
definition the sum of the AWARD entries of that key (reversals and expiries
never lowered it), and the entries carry partner, person, day and
methodology. Now:

* ``ix_points_entries_partner_person_day`` (partner, person, day) replaces
  ``ix_points_entries_partner_person_id`` (partner, person, id): a person's
  history is still found by its first two columns (and put in id order
  after), and the cap of a batch's persons and days is found by all three.
* ``points_daily`` is dropped: an award writes one upsert fewer.

Downgrade recreates ``points_daily`` (WITHOUT ROWID on SQLite, as 0020 made
it) filled with the sums of the AWARD entries, and the former index.

Revision ID: 0023_points_daily_from_entries
Revises: 0022_points_next_expiry
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_points_daily_from_entries"
down_revision: str | None = "0022_points_next_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY_INDEX = "ix_points_entries_partner_person_day"
ID_INDEX = "ix_points_entries_partner_person_id"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"no points ledger for dialect {dialect!r}")
    op.create_index(DAY_INDEX, "points_entries", ["partner", "person", "day"])
    op.drop_index(ID_INDEX, "points_entries")
    op.drop_table("points_daily")


def downgrade() -> None:
    columns = (
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("awarded", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "day", "person", "methodology", name="pk_points_daily"),
        sa.CheckConstraint("awarded >= 0", name="ck_points_daily_awarded_not_negative"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # As 0020 rebuilt it (a MetaData without the naming convention, so the
        # CHECK keeps the name it had at 0022), WITHOUT ROWID.
        sa.Table("points_daily", sa.MetaData(), *columns, sqlite_with_rowid=False).create(
            op.get_bind()
        )
    else:
        # As 0013 made it, the naming convention applied (as at 0022).
        op.create_table("points_daily", *columns)
    op.execute(
        "INSERT INTO points_daily (partner, day, person, methodology, awarded)"
        " SELECT partner, day, person, methodology, SUM(points) FROM points_entries"
        " WHERE kind = 'AWARD' AND day IS NOT NULL AND methodology IS NOT NULL"
        " GROUP BY partner, day, person, methodology"
    )
    op.create_index(ID_INDEX, "points_entries", ["partner", "person", "id"])
    op.drop_index(DAY_INDEX, "points_entries")
