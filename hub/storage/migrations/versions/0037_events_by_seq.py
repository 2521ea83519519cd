"""Audit events keyed by their seq (issue 18).

``ledger_events`` numbered each row twice: a surrogate ``id`` (the primary
key) and its ``seq`` in the chain, unique in an index of its own (16 bytes
an event on SQLite, more on PostgreSQL). The appender gives seqs under the
chain's head, one after another, so seq alone is the row's key. Now:

* ``seq`` is the primary key; ``id`` and ``uq_ledger_events_seq`` go. On
  SQLite the table is rebuilt with ``seq INTEGER PRIMARY KEY``: the rowid
  itself, kept once in the B-tree and not in the row;
* the subject index is created again as it was.

What a verifier reads is unchanged but for the id: a row is named by its
seq, and the chain is read ``ORDER BY seq`` (docs/audit-log.md). A stored
seq that is not an integer (written by hand; ``carbon-hub audit verify``
names it) stops the copy on SQLite: run ``audit verify`` and mend the row
first, rather than have SQLite refuse the row half way.

Downgrade gives every row its id back as its seq (the ids the appender
gave, where no row was ever rolled back), seq its unique index again.

Revision ID: 0037_events_by_seq
Revises: 0036_lock_kind_codes
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037_events_by_seq"
down_revision: str | None = "0036_lock_kind_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ledger_events"
SUBJECT_INDEX = (
    "CREATE INDEX ix_ledger_events_subject_kind_subject_id"
    " ON ledger_events (subject_kind, subject_id)"
)
# Every column but the two numbers, in the table's order since 0025.
_COLUMNS = "subject_kind, subject_id, event, actor, at, details, hash, packed"
_REST = """
            subject_kind VARCHAR(32) NOT NULL,
            subject_id VARCHAR(200) NOT NULL,
            event VARCHAR(64) NOT NULL,
            actor VARCHAR(200) NOT NULL,
            at DATETIME NOT NULL,
            details TEXT NOT NULL,
            hash BLOB NOT NULL,
            packed BLOB,"""


def _sqlite_rebuild(create: str, columns: str, selected: str) -> None:
    """Copy ledger_events into the table ``create`` makes (ledger_events_new),
    in seq order, and put it in the old one's place with its index."""
    op.execute(create)
    op.execute(
        f"INSERT INTO ledger_events_new ({columns}) SELECT {selected} FROM {TABLE} ORDER BY seq"
    )
    # Dropping the table drops its indexes with it.
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"ALTER TABLE ledger_events_new RENAME TO {TABLE}")
    op.execute(SUBJECT_INDEX)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT pk_ledger_events")
        op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT uq_ledger_events_seq")
        # The id's sequence goes with its column (BIGSERIAL owns it).
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN id")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_ledger_events PRIMARY KEY (seq)")
        return
    odd = bind.execute(
        sa.text(f"SELECT count(*) FROM {TABLE} WHERE typeof(seq) <> 'integer'")
    ).scalar_one()
    if odd:
        raise RuntimeError(
            f"{odd} audit event(s) hold a seq that is not an integer (written by hand):"
            " run `carbon-hub audit verify`, which names them, and mend them before upgrading"
        )
    _sqlite_rebuild(
        f"""
        CREATE TABLE ledger_events_new (
            seq INTEGER NOT NULL,{_REST}
            CONSTRAINT pk_ledger_events PRIMARY KEY (seq)
        )
        """,
        f"seq, {_COLUMNS}",
        f"seq, {_COLUMNS}",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT pk_ledger_events")
        # A plain column filled once, then given the sequence BIGSERIAL would
        # own (a BIGSERIAL column added to a table with rows is written once
        # with the sequence's numbers, then once more with the seqs).
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN id BIGINT")
        op.execute(f"UPDATE {TABLE} SET id = seq")
        op.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        op.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq'),"
            " ALTER COLUMN id SET NOT NULL"
        )
        # The next id after the last seq, as the appender would have given it.
        op.execute(f"SELECT setval('{TABLE}_id_seq', coalesce(max(id), 0) + 1, false) FROM {TABLE}")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_ledger_events PRIMARY KEY (id)")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT uq_ledger_events_seq UNIQUE (seq)")
        return
    _sqlite_rebuild(
        f"""
        CREATE TABLE ledger_events_new (
            id INTEGER NOT NULL,{_REST}
            seq BIGINT NOT NULL,
            CONSTRAINT pk_ledger_events PRIMARY KEY (id),
            CONSTRAINT uq_ledger_events_seq UNIQUE (seq)
        )
        """,
        f"id, {_COLUMNS}, seq",
        f"seq, {_COLUMNS}, seq",
    )
