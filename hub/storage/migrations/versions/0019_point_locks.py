"""Point locks under a unique key (issue 18): the content lock leaves claim_locks.

A content lock (LockKind.CONTENT: the submission's digest without its record
id) is always the point [0, 0]: two of them overlap exactly when their keys
are equal. Kept in ``claim_locks`` it cost a row with an id, a kind and a
range, an entry in the (kind, key, lo) index and, on PostgreSQL, one in the
exclusion constraint's GiST index, and the overlap trigger's probe on every
insert on SQLite. Now:

* ``claim_content_locks`` (key PRIMARY KEY, claim_id): the database refuses
  a second claim of the same content with a plain unique violation, as it
  refused the overlapping range (same ConcurrentWriteConflict in the hub);
  on SQLite a WITHOUT ROWID table, the key's B-tree itself; no index on
  claim_id (it would double the table's size): a released claim's lock is
  found by its key, the digest of its stored submission;
* every CONTENT row of ``claim_locks`` is moved there and deleted;
* ``claim_locks`` refuses a CONTENT row from now on (PostgreSQL: the CHECK
  ``ck_claim_locks_ranges_only``; SQLite: the trigger
  ``tr_claim_locks_ranges_only``, as a CHECK would need a copy of the
  table), so no writer can bypass the unique key.

The range kinds (a project's or site's period, a person's period and trips,
origin serial blocks) stay where they are: their ranges are seconds or
serials, not points.

A stored CONTENT lock with another range than [0, 0] is not one this hub
wrote: the migration stops rather than move it.

Downgrade moves the content locks back as [0, 0] ranges (in key order, the
order the hub inserts locks in) and drops the table, the CHECK and the trigger.

SQLite keeps the pages the moved rows freed until ``VACUUM``.

Revision ID: 0019_point_locks
Revises: 0018_lean_claims
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_point_locks"
down_revision: str | None = "0018_lean_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "claim_content_locks"
RANGES_ONLY_CONSTRAINT = "ck_claim_locks_ranges_only"
RANGES_ONLY_TRIGGER = "tr_claim_locks_ranges_only"
CONTENT = "CONTENT"


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    odd = connection.execute(
        sa.text("SELECT count(*) FROM claim_locks WHERE kind = :kind AND (lo <> 0 OR hi <> 0)"),
        {"kind": CONTENT},
    ).scalar_one()
    if odd:
        raise RuntimeError(
            f"{odd} CONTENT lock(s) in claim_locks with a range other than [0, 0]:"
            " not written by this hub, not moved"
        )
    op.create_table(
        TABLE,
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=f"pk_{TABLE}"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.claim_id"],
            name=f"fk_{TABLE}_claim_id_claims",
            ondelete="CASCADE",
        ),
        sqlite_with_rowid=False,
    )
    # Stored locks of one (kind, key) never overlap, so no two CONTENT rows
    # share a key: the copy cannot violate the new primary key.
    op.execute(
        sa.text(
            f"INSERT INTO {TABLE} (key, claim_id)"
            " SELECT key, claim_id FROM claim_locks WHERE kind = :kind ORDER BY key"
        ).bindparams(kind=CONTENT)
    )
    op.execute(sa.text("DELETE FROM claim_locks WHERE kind = :kind").bindparams(kind=CONTENT))
    if dialect == "postgresql":
        op.execute(
            f"ALTER TABLE claim_locks ADD CONSTRAINT {RANGES_ONLY_CONSTRAINT}"
            f" CHECK (kind <> '{CONTENT}')"
        )
    elif dialect == "sqlite":
        op.execute(
            f"""
            CREATE TRIGGER {RANGES_ONLY_TRIGGER}
            BEFORE INSERT ON claim_locks
            FOR EACH ROW
            WHEN NEW.kind = '{CONTENT}'
            BEGIN
                SELECT RAISE(ABORT, 'content locks are kept in {TABLE}');
            END
            """
        )
    else:
        raise RuntimeError(f"no content-lock guard for dialect {dialect!r}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"ALTER TABLE claim_locks DROP CONSTRAINT {RANGES_ONLY_CONSTRAINT}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {RANGES_ONLY_TRIGGER}")
    op.execute(
        sa.text(
            "INSERT INTO claim_locks (claim_id, kind, key, lo, hi)"
            f" SELECT claim_id, :kind, key, 0, 0 FROM {TABLE} ORDER BY key"
        ).bindparams(kind=CONTENT)
    )
    op.drop_table(TABLE)
