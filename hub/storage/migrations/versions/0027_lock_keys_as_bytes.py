"""Lock keys that begin with a digest keep its 32 bytes (issue 18).

A content lock's key is a 64-digit hex digest, a person's lock key begins
with the person's 64-digit pseudonym (``PERSON_PERIOD``: then ``|``, the
methodology and the material; ``PERSON_TRAVEL``: nothing more). Kept as text
that was about 208 bytes of hex a personal claim: ``claim_content_locks.key``
once, ``claim_locks.key`` in the row and again in its (kind, key, lo) index.
Now (hub.storage.lock_key_column): such a key is one 0xFF byte, the digest's
32 bytes and the rest in UTF-8; any other key its UTF-8.

* PostgreSQL: both ``key`` columns become ``bytea`` (``ALTER ... TYPE ...
  USING``; the exclusion constraint's GiST index is rebuilt with btree_gist's
  ``gist_bytea_ops``, the unique key and the index by the same statement).
* SQLite: the columns keep their declared ``TEXT`` and their values are
  rewritten in place; ``claim_locks``' trigger that keeps a lock's key
  immutable is dropped for the rewrite and made again as 0001 made it.

Downgrade gives every key back as text and the columns their former type.

Revision ID: 0027_lock_keys_as_bytes
Revises: 0026_hex_digests_as_bytes
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic import op

revision: str = "0027_lock_keys_as_bytes"
down_revision: str | None = "0026_hex_digests_as_bytes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("claim_locks", "claim_content_locks")
IMMUTABLE_TRIGGER = "tr_claim_locks_immutable"

_DIGEST_FIRST = (
    "substr(key, 1, 64) ~ '^[0-9a-f]{64}$' AND (length(key) = 64 OR substr(key, 65, 1) = '|')"
)
_TO_BYTES = (
    f"CASE WHEN {_DIGEST_FIRST}"
    " THEN decode('ff', 'hex') || decode(substr(key, 1, 64), 'hex')"
    " || convert_to(substr(key, 65), 'UTF8')"
    " ELSE convert_to(key, 'UTF8') END"
)
_TO_TEXT = (
    "CASE WHEN substring(key from 1 for 1) = decode('ff', 'hex')"
    " THEN encode(substring(key from 2 for 32), 'hex')"
    " || convert_from(substring(key from 34), 'UTF8')"
    " ELSE convert_from(key, 'UTF8') END"
)


def _to_bytes(key: str | bytes | None) -> bytes | None:
    # A frozen copy of hub.storage.lock_key_column.lock_key_bytes.
    if key is None or isinstance(key, bytes):
        return key
    if (
        len(key) >= 64
        and (len(key) == 64 or key[64] == "|")
        and not key[:64].strip("0123456789abcdef")
    ):
        return b"\xff" + bytes.fromhex(key[:64]) + key[64:].encode("utf-8")
    return key.encode("utf-8")


def _to_text(stored: str | bytes | None) -> str | None:
    if stored is None or isinstance(stored, str):
        return stored
    if stored[:1] == b"\xff":
        return stored[1:33].hex() + stored[33:].decode("utf-8")
    return stored.decode("utf-8")


def _sqlite_rewrite(name: str, function: Callable[[object], object]) -> None:
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    raw.create_function(name, 1, function, deterministic=True)
    op.execute(f"DROP TRIGGER IF EXISTS {IMMUTABLE_TRIGGER}")
    for table in TABLES:
        op.execute(f"UPDATE {table} SET key = {name}(key)")
    op.execute(
        f"""
        CREATE TRIGGER {IMMUTABLE_TRIGGER}
        BEFORE UPDATE OF kind, key, lo, hi ON claim_locks
        FOR EACH ROW
        BEGIN
            SELECT RAISE(ABORT, 'claim locks are immutable: delete and insert instead');
        END
        """
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN key TYPE bytea USING {_TO_BYTES}")
    else:
        _sqlite_rewrite("carbon_hub_lock_key_bytes", _to_bytes)  # type: ignore[arg-type]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN key TYPE text USING {_TO_TEXT}")
    else:
        _sqlite_rewrite("carbon_hub_lock_key_text", _to_text)  # type: ignore[arg-type]
