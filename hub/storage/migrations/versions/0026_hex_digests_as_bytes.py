"""Pseudonyms kept as their 32 bytes (issue 18).

A personal claim's pseudonym (64 lower-case hex digits) was kept as text in
five places: ``claims.person_pseudonym`` and its (person, period) index,
``points_entries.person`` and its (partner, person, day) index,
``person_travel_days.person``; and once per person in ``points_balances``.
Each now keeps the digest's 32 bytes (hub.storage.hex_digest_column): any
other text, as a refused claim may carry, its UTF-8 bytes after one 0xFF
byte (two when that would make 32 bytes), so every value reads back as the
very text it was.

* PostgreSQL: the five columns become ``bytea`` (``ALTER ... TYPE ... USING``,
  which rebuilds their indexes and keys).
* SQLite: the columns keep their declared type and their values are
  rewritten in place (SQLite keeps a value's own type), one UPDATE a table.

Downgrade gives every value back as text and the columns their former type.

Revision ID: 0026_hex_digests_as_bytes
Revises: 0025_packed_audit_details
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic import op

revision: str = "0026_hex_digests_as_bytes"
down_revision: str | None = "0025_packed_audit_details"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, its type before): pseudonyms were VARCHAR(200), digests VARCHAR(64).
COLUMNS = (
    ("claims", "person_pseudonym", "varchar(200)"),
    ("claims", "content_digest", "varchar(64)"),
    ("points_entries", "person", "varchar(200)"),
    ("points_balances", "person", "varchar(200)"),
    ("person_travel_days", "person", "varchar(200)"),
)

# PostgreSQL: hex digest -> its bytes; other text -> 0xFF (0xFFFF before 31
# bytes) then its UTF-8, as hub.storage.hex_digest_column.digest_bytes.
_TO_BYTES = (
    "CASE WHEN {c} ~ '^[0-9a-f]{{64}}$' THEN decode({c}, 'hex')"
    " WHEN octet_length(convert_to({c}, 'UTF8')) = 31"
    " THEN decode('ffff', 'hex') || convert_to({c}, 'UTF8')"
    " ELSE decode('ff', 'hex') || convert_to({c}, 'UTF8') END"
)
_TO_TEXT = (
    "CASE WHEN octet_length({c}) = 32 THEN encode({c}, 'hex')"
    " ELSE convert_from(ltrim({c}, decode('ff', 'hex')), 'UTF8') END"
)


def _by_table() -> list[tuple[str, list[tuple[str, str]]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, former in COLUMNS:
        tables.setdefault(table, []).append((column, former))
    return list(tables.items())


def _to_bytes(text: str | bytes | None) -> bytes | None:
    # A frozen copy of hub.storage.hex_digest_column.digest_bytes.
    if text is None or isinstance(text, bytes):
        return text
    if len(text) == 64 and not text.strip("0123456789abcdef"):
        return bytes.fromhex(text)
    raw = text.encode("utf-8")
    return b"\xff" * (2 if len(raw) == 31 else 1) + raw


def _to_text(stored: str | bytes | None) -> str | None:
    if stored is None or isinstance(stored, str):
        return stored
    if len(stored) == 32:
        return stored.hex()
    return stored.lstrip(b"\xff").decode("utf-8")


def _sqlite_rewrite(name: str, function: Callable[[object], object]) -> None:
    # SQLite 3.40 has no unhex(): the conversion runs in Python, registered
    # on this connection for the UPDATEs.
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    raw.create_function(name, 1, function, deterministic=True)
    for table, column, _ in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = {name}({column}) WHERE {column} IS NOT NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # One ALTER TABLE a table: PostgreSQL rewrites it and its indexes once.
        for table, columns in _by_table():
            op.execute(
                f"ALTER TABLE {table} "
                + ", ".join(
                    f"ALTER COLUMN {c} TYPE bytea USING {_TO_BYTES.format(c=c)}" for c, _ in columns
                )
            )
    else:
        _sqlite_rewrite("carbon_hub_digest_bytes", _to_bytes)  # type: ignore[arg-type]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in _by_table():
            op.execute(
                f"ALTER TABLE {table} "
                + ", ".join(
                    f"ALTER COLUMN {c} TYPE {former} USING {_TO_TEXT.format(c=c)}"
                    for c, former in columns
                )
            )
    else:
        _sqlite_rewrite("carbon_hub_digest_text", _to_text)  # type: ignore[arg-type]
