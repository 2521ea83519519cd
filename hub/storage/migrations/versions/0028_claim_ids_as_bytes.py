"""Claim ids kept as their 16 bytes (issue 18).

A claim id is a UUIDv7 in 32 lower-case hex digits, kept as text in every
row that names its claim. Each such column now keeps the id's 16 bytes
(hub.storage.hex_id_column): any other text, as a row written by hand may
hold, its UTF-8 bytes after one 0xFF byte (two when that would make 16
bytes), so every value reads back as the very text it was.

* PostgreSQL: the columns become ``bytea`` (``ALTER ... TYPE ... USING``,
  which rebuilds their indexes and keys). The foreign keys that name
  ``claims.claim_id`` are dropped first and made again after, from their own
  definitions as PostgreSQL gives them: a key cannot join ``bytea`` to text
  while its two sides are altered one after the other.
* SQLite: the columns keep their declared type and their values are
  rewritten in place, one UPDATE a table; the foreign keys are checked at
  commit (``defer_foreign_keys``), once the claims and the rows naming them
  hold the same bytes.

Downgrade gives every value back as text and the columns their former type.

Revision ID: 0028_claim_ids_as_bytes
Revises: 0027_lock_keys_as_bytes
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_claim_ids_as_bytes"
down_revision: str | None = "0027_lock_keys_as_bytes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column); every one was VARCHAR(64).
COLUMNS = (
    ("claims", "claim_id"),
    ("claim_locks", "claim_id"),
    ("claim_content_locks", "claim_id"),
    ("site_bindings", "claim_id"),
    ("refused_resubmissions", "original_claim_id"),
    ("source_cancellations", "claim_id"),
    ("claim_issuances", "claim_id"),
    ("points_entries", "claim_id"),
    ("person_travel_days", "claim_id"),
)
FORMER = "varchar(64)"
# The keys to claims without an index on their column (SQLite).
_UNINDEXED = (
    ("claim_content_locks", "claim_id"),
    ("site_bindings", "claim_id"),
    ("refused_resubmissions", "original_claim_id"),
)
_SCRATCH = "ix_0028_rewrite_"

# PostgreSQL: a hex id -> its bytes; other text -> 0xFF (0xFFFF before 15
# bytes) then its UTF-8, as hub.storage.hex_id_column.id_bytes.
_TO_BYTES = (
    "CASE WHEN {c} ~ '^[0-9a-f]{{32}}$' THEN decode({c}, 'hex')"
    " WHEN octet_length(convert_to({c}, 'UTF8')) = 15"
    " THEN decode('ffff', 'hex') || convert_to({c}, 'UTF8')"
    " ELSE decode('ff', 'hex') || convert_to({c}, 'UTF8') END"
)
_TO_TEXT = (
    "CASE WHEN octet_length({c}) = 16 THEN encode({c}, 'hex')"
    " ELSE convert_from(ltrim({c}, decode('ff', 'hex')), 'UTF8') END"
)
_FOREIGN_KEYS = sa.text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE contype = 'f' AND confrelid = 'claims'::regclass"
    " ORDER BY 1, 2"
)


def _to_bytes(text: str | bytes | None) -> bytes | None:
    # A frozen copy of hub.storage.hex_id_column.id_bytes.
    if text is None or isinstance(text, bytes):
        return text
    if len(text) == 32 and not text.strip("0123456789abcdef"):
        return bytes.fromhex(text)
    raw = text.encode("utf-8")
    return b"\xff" * (2 if len(raw) == 15 else 1) + raw


def _to_text(stored: str | bytes | None) -> str | None:
    if stored is None or isinstance(stored, str):
        return stored
    if len(stored) == 16:
        return stored.hex()
    return stored.lstrip(b"\xff").decode("utf-8")


def _postgresql(target: Callable[[str], str]) -> None:
    bind = op.get_bind()
    keys = bind.execute(_FOREIGN_KEYS).all()
    for table, name, _ in keys:
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} {target(column)}")
    for table, name, definition in keys:
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _sqlite_rewrite(name: str, function: Callable[[object], object]) -> None:
    # SQLite 3.40 has no unhex(): the conversion runs in Python, registered
    # on this connection for the UPDATEs.
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    raw.create_function(name, 1, function, deterministic=True)
    op.execute("PRAGMA defer_foreign_keys = ON")
    # Changing a claim's id makes SQLite look for the rows that name it, in
    # every table with a key to claims; three of them have no index on the
    # column (none is read by it), so each claim's update would scan them
    # (41 s for 20,000 claims). Indexed for the rewrite only.
    for table, column in _UNINDEXED:
        op.execute(f"CREATE INDEX {_SCRATCH}{table} ON {table} ({column})")
    for table, column in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = {name}({column}) WHERE {column} IS NOT NULL")
    for table, _ in _UNINDEXED:
        op.execute(f"DROP INDEX {_SCRATCH}{table}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql(lambda c: f"TYPE bytea USING {_TO_BYTES.format(c=c)}")
    else:
        _sqlite_rewrite("carbon_hub_id_bytes", _to_bytes)  # type: ignore[arg-type]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql(lambda c: f"TYPE {FORMER} USING {_TO_TEXT.format(c=c)}")
    else:
        _sqlite_rewrite("carbon_hub_id_text", _to_text)  # type: ignore[arg-type]
