"""Lean audit rows (issue 18): the chain hash as 32 bytes, no stored previous hash.

Every transition writes a ``ledger_events`` row, and each row held its hash
and its predecessor's as 64-character hex strings: 128 bytes a row, and the
predecessor's is the hash of the row at ``seq - 1`` (``GENESIS`` for seq 1),
which the table holds already. Now:

* ``hash`` is the SHA-256 digest's 32 raw bytes (BLOB on SQLite, BYTEA on
  PostgreSQL);
* ``prev_hash`` is dropped: hub.storage.audit_repository reads the previous
  row's hash instead and hands the domain hex as before, so the verifier,
  the transparency log and every published format are unchanged.

A stored hash that is not 64 lower-case hex digits (a row somebody edited)
keeps its text as bytes, not 32 of them: the verifier still reports the row
as edited. The rest of the table (ids, seqs, rows, the unique seq and the
subject index) stays as it is.

SQLite cannot change a column's type: the table is rebuilt there, the rows
copied in id order a batch at a time with their ids and seqs. PostgreSQL
drops the column and converts the hash in place (``decode(hash, 'hex')``;
dropped first, so the rewrite the type change makes leaves it out).

Downgrade restores 0020 on both databases: the hash as hex again and
``prev_hash`` recomputed as the hash of the row at ``seq - 1`` (``GENESIS``
where there is none: seq 1, or a gap the verifier reports as removed).

Revision ID: 0021_lean_audit
Revises: 0020_lean_points
Create Date: 2026-12-06
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.domain.audit_chain import GENESIS

revision: str = "0021_lean_audit"
down_revision: str | None = "0020_lean_points"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000
# Built alongside, then renamed over the old table (SQLite only).
_NEW = "ledger_events_new"
_SUBJECT_INDEX = "ix_ledger_events_subject_kind_subject_id"
_HEX_HASH = re.compile(r"[0-9a-f]{64}")
_CONTENT = ("subject_kind", "subject_id", "event", "actor", "at", "details", "seq")


def _events(name: str, lean: bool) -> sa.Table:
    hashes = (
        [sa.Column("hash", sa.LargeBinary(), nullable=False)]
        if lean
        else [
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
        ]
    )
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_kind", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        *hashes,
        sa.PrimaryKeyConstraint("id", name="pk_ledger_events"),
        sa.UniqueConstraint("seq", name="uq_ledger_events_seq"),
    )


def _as_bytes(value: Any) -> bytes:
    """A 0020 hash as 0021 stores it: 32 bytes, or an edited value's text as bytes."""
    if isinstance(value, str) and _HEX_HASH.fullmatch(value):
        return bytes.fromhex(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def _as_hex(value: Any) -> str:
    """A 0021 hash as 0020 stored it: hex of 32 bytes, else the value as text."""
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        return raw.hex() if len(raw) == 32 else raw.decode("utf-8", "backslashreplace")[:64]
    return str(value)[:64]


def _copy_sqlite(lean: bool) -> None:
    """SQLite: ledger_events rebuilt under ``lean``'s definition, a batch of
    rows at a time in id order, ids and seqs kept."""
    connection = op.get_bind()
    new = _events(_NEW, lean)
    new.create(connection)
    # Untyped columns both ways: an edited row's odd value (text in the
    # instant or the seq) is copied as it is, neither decoded nor refused.
    old = sa.table("ledger_events", *(sa.column(c) for c in ("id", *_CONTENT, "hash")))
    target = sa.table(_NEW, *(sa.column(c.name) for c in new.columns))
    columns: list[sa.ColumnElement[Any]] = [old.c.id, *(old.c[c] for c in _CONTENT), old.c.hash]
    if not lean:
        previous = old.alias("previous")
        columns.append(
            sa.select(previous.c.hash)
            .where(previous.c.seq == old.c.seq - 1)
            .scalar_subquery()
            .label("previous")
        )
    last = -1
    while True:
        batch = connection.execute(
            sa.select(*columns).where(old.c.id > last).order_by(old.c.id).limit(_BATCH)
        ).all()
        if not batch:
            break
        rows = []
        for row in batch:
            values = dict(zip(("id", *_CONTENT), row, strict=False))
            if lean:
                values["hash"] = _as_bytes(row.hash)
            else:
                values["hash"] = _as_hex(row.hash)
                values["prev_hash"] = GENESIS if row.previous is None else _as_hex(row.previous)
            rows.append(values)
        connection.execute(sa.insert(target), rows)
        last = int(batch[-1].id)
    # DROP TABLE takes the old table's indexes with it.
    op.execute("DROP TABLE ledger_events")
    op.execute(f"ALTER TABLE {_NEW} RENAME TO ledger_events")
    op.create_index(_SUBJECT_INDEX, "ledger_events", ["subject_kind", "subject_id"])


def _upgrade_postgresql() -> None:
    op.drop_column("ledger_events", "prev_hash")
    op.execute(
        "ALTER TABLE ledger_events ALTER COLUMN hash TYPE BYTEA USING"
        " CASE WHEN hash ~ '^[0-9a-f]{64}$' THEN decode(hash, 'hex')"
        " ELSE convert_to(hash, 'UTF8') END"
    )


def _downgrade_postgresql() -> None:
    op.execute(
        "ALTER TABLE ledger_events ALTER COLUMN hash TYPE VARCHAR(64) USING"
        " CASE WHEN octet_length(hash) = 32 THEN encode(hash, 'hex')"
        " ELSE left(encode(hash, 'escape'), 64) END"
    )
    op.add_column("ledger_events", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.get_bind().execute(
        sa.text(
            "UPDATE ledger_events AS e SET prev_hash = COALESCE("
            "(SELECT p.hash FROM ledger_events AS p WHERE p.seq = e.seq - 1), :genesis)"
        ),
        {"genesis": GENESIS},
    )
    op.alter_column("ledger_events", "prev_hash", existing_type=sa.String(64), nullable=False)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _copy_sqlite(lean=True)
    elif dialect == "postgresql":
        _upgrade_postgresql()
    else:
        raise RuntimeError(f"no lean audit rows for dialect {dialect!r}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _copy_sqlite(lean=False)
    elif dialect == "postgresql":
        _downgrade_postgresql()
    else:
        raise RuntimeError(f"no lean audit rows for dialect {dialect!r}")
