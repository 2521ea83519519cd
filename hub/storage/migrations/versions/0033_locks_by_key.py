"""Range locks keyed by (kind, key, lo), without a claim index (issue 18).

``claim_locks`` kept each range lock as a row under a surrogate id, again in
its (kind, key, lo) index (what the overlap test and the conflict query
read) and its claim id in a third B-tree: about 205 bytes a personal claim
on SQLite. Locks of one (kind, key) never overlap (the exclusion
constraint, the overlap trigger), so no two share their first second:
(kind, key, lo) is a key of its own. Now:

* the primary key is (kind, key, lo); the id column and the
  (kind, key, lo) index go. On SQLite the table is rebuilt WITHOUT ROWID:
  the rows are the key's B-tree, stored once;
* the claim id index covers only origin serial locks
  (``ix_claim_locks_origin_claim_id``, partial): their key comes from the
  origin registry. The hub finds a claim's other range locks under the
  (kind, key)s its submission gives (hub.domain.locks.range_lock_keys).

PostgreSQL keeps its exclusion constraint and CHECKs; SQLite's three
triggers (overlap, ranges only, immutable) are created again on the new
table, word for word.

Two stored locks with one (kind, key, lo) overlap, which neither database
let the hub write: the copy stops on them rather than drop one.

Downgrade gives the table its id (on SQLite numbered in key order; on
PostgreSQL in the order the rows lie, as BIGSERIAL adds it), the
(kind, key, lo) and claim id indexes back.

Revision ID: 0033_locks_by_key
Revises: 0032_compact_days
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0033_locks_by_key"
down_revision: str | None = "0032_compact_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "claim_locks"
ORIGIN_INDEX = "ix_claim_locks_origin_claim_id"
ORIGIN_ONLY = "kind = 'ORIGIN_SERIAL'"
# Frozen copies of the triggers SQLite keeps on claim_locks (0001, 0019, 0027).
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER tr_claim_locks_no_overlap
    BEFORE INSERT ON claim_locks
    FOR EACH ROW
    WHEN (
        SELECT l.hi FROM claim_locks AS l
        WHERE l.kind = NEW.kind AND l.key = NEW.key AND l.lo <= NEW.hi
        ORDER BY l.lo DESC
        LIMIT 1
    ) >= NEW.lo
    BEGIN
        SELECT RAISE(ABORT, 'claim lock overlaps a stored lock of the same kind and key');
    END
    """,
    """
    CREATE TRIGGER tr_claim_locks_ranges_only
    BEFORE INSERT ON claim_locks
    FOR EACH ROW
    WHEN NEW.kind = 'CONTENT'
    BEGIN
        SELECT RAISE(ABORT, 'content locks are kept in claim_content_locks');
    END
    """,
    """
    CREATE TRIGGER tr_claim_locks_immutable
    BEFORE UPDATE OF kind, key, lo, hi ON claim_locks
    FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, 'claim locks are immutable: delete and insert instead');
    END
    """,
)
_FOREIGN_KEY = (
    "CONSTRAINT fk_claim_locks_claim_id_claims FOREIGN KEY(claim_id)"
    " REFERENCES claims (claim_id) ON DELETE CASCADE"
)
_ORDERED = "CONSTRAINT ck_claim_locks_ck_claim_locks_range_ordered CHECK (lo <= hi)"


def _sqlite_rebuild(create: str, columns: str, indexes: Sequence[str]) -> None:
    """Copy claim_locks into a table made by ``create`` (named claim_locks_new),
    in key order, and put it in the old one's place with ``indexes`` and the
    triggers."""
    op.execute(create)
    op.execute(
        f"INSERT INTO claim_locks_new ({columns})"
        f" SELECT {columns} FROM {TABLE} ORDER BY kind, key, lo"
    )
    # Dropping the table drops its indexes and triggers with it.
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"ALTER TABLE claim_locks_new RENAME TO {TABLE}")
    for index in indexes:
        op.execute(index)
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT pk_claim_locks")
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN id")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_claim_locks PRIMARY KEY (kind, key, lo)")
        op.execute("DROP INDEX ix_claim_locks_kind_key_lo")
        op.execute("DROP INDEX ix_claim_locks_claim_id")
        op.execute(f"CREATE INDEX {ORIGIN_INDEX} ON {TABLE} (claim_id) WHERE {ORIGIN_ONLY}")
        return
    _sqlite_rebuild(
        f"""
        CREATE TABLE claim_locks_new (
            kind VARCHAR(32) NOT NULL,
            "key" TEXT NOT NULL,
            lo BIGINT NOT NULL,
            hi BIGINT NOT NULL,
            claim_id VARCHAR(64) NOT NULL,
            CONSTRAINT pk_claim_locks PRIMARY KEY (kind, "key", lo),
            {_FOREIGN_KEY},
            {_ORDERED}
        ) WITHOUT ROWID
        """,
        'kind, "key", lo, hi, claim_id',
        [f"CREATE INDEX {ORIGIN_INDEX} ON {TABLE} (claim_id) WHERE {ORIGIN_ONLY}"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {ORIGIN_INDEX}")
        op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT pk_claim_locks")
        # BIGSERIAL numbers the stored rows as it adds the column.
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN id BIGSERIAL")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_claim_locks PRIMARY KEY (id)")
        op.execute(f"CREATE INDEX ix_claim_locks_kind_key_lo ON {TABLE} (kind, key, lo)")
        op.execute(f"CREATE INDEX ix_claim_locks_claim_id ON {TABLE} (claim_id)")
        return
    _sqlite_rebuild(
        f"""
        CREATE TABLE claim_locks_new (
            id INTEGER NOT NULL,
            claim_id VARCHAR(64) NOT NULL,
            kind VARCHAR(32) NOT NULL,
            "key" TEXT NOT NULL,
            lo BIGINT NOT NULL,
            hi BIGINT NOT NULL,
            CONSTRAINT pk_claim_locks PRIMARY KEY (id),
            {_FOREIGN_KEY},
            {_ORDERED}
        )
        """,
        'claim_id, kind, "key", lo, hi',
        [
            f'CREATE INDEX ix_claim_locks_kind_key_lo ON {TABLE} (kind, "key", lo)',
            f"CREATE INDEX ix_claim_locks_claim_id ON {TABLE} (claim_id)",
        ],
    )
