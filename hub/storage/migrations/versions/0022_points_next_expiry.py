"""The expiry sweep reads a bound per person, not an index of every award (issue 14).

Every award inserted a ``points_entries`` row into four B-trees: the table,
``uq_points_entries_kind_claim_id``, ``ix_points_entries_partner_person_id``
and ``ix_points_entries_expires_at``. The last was read by the expiry sweep
only. Now:

* ``points_balances.next_expiry`` (nullable) is a lower bound of the person's
  open awards' expiries: never later than the earliest ``expires_at`` of an
  award with no expiry or reversal entry yet; NULL when none is open. An
  award's balance upsert keeps the earlier of the stored bound and its own
  expiry, the sweep reads ``next_expiry <= now`` off the balances and, once it
  has expired a person's due awards, stores the earliest open one left.
* The column is backfilled with exactly that earliest open expiry.
* ``ix_points_entries_expires_at`` is dropped: an award no longer writes it.

ADD and DROP COLUMN work in place on both databases (SQLite >= 3.35, also on
the WITHOUT ROWID ``points_balances`` of 0020), so no table is rebuilt.

Downgrade restores the index and drops the column (the sweep of 0021 reads
the index again).

Revision ID: 0022_points_next_expiry
Revises: 0021_lean_audit
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_points_next_expiry"
down_revision: str | None = "0021_lean_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPIRES_INDEX = "ix_points_entries_expires_at"
COLUMN = "next_expiry"

# The earliest expiry of a person's open awards: an award whose claim has no
# expiry and no reversal entry (uq_points_entries_kind_claim_id finds those).
_OPEN_AWARDS = (
    "FROM points_entries a WHERE a.kind = 'AWARD' AND a.expires_at IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM points_entries c"
    " WHERE c.kind IN ('EXPIRY', 'REVERSAL') AND c.claim_id = a.claim_id)"
)
# SQLite: per balance row, the person's entries by
# ix_points_entries_partner_person_id (no UPDATE ... FROM before 3.33).
_BACKFILL_SQLITE = (
    f"UPDATE points_balances SET {COLUMN} = (SELECT MIN(a.expires_at) {_OPEN_AWARDS}"
    " AND a.partner = points_balances.partner AND a.person = points_balances.person)"
)
# PostgreSQL: one grouped pass over the open awards, joined to the balances.
_BACKFILL_POSTGRESQL = (
    f"UPDATE points_balances b SET {COLUMN} = m.soonest FROM"
    f" (SELECT a.partner, a.person, MIN(a.expires_at) AS soonest {_OPEN_AWARDS}"
    " GROUP BY a.partner, a.person) AS m"
    " WHERE b.partner = m.partner AND b.person = m.person"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"no points expiry bound for dialect {dialect!r}")
    op.add_column("points_balances", sa.Column(COLUMN, sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL_SQLITE if dialect == "sqlite" else _BACKFILL_POSTGRESQL)
    op.drop_index(EXPIRES_INDEX, "points_entries")


def downgrade() -> None:
    op.create_index(EXPIRES_INDEX, "points_entries", ["expires_at"])
    # Plain ALTER TABLE DROP COLUMN (SQLite >= 3.35, as 0015 and 0018 use).
    op.execute(f"ALTER TABLE points_balances DROP COLUMN {COLUMN}")
