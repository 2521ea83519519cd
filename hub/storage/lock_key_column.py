"""A claim lock's key as the ledger keeps it: a leading digest as its bytes.

Lock keys are text the domain builds (hub.domain.locks). Two kinds begin
with a SHA-256 digest in 64 lower-case hex digits: a content lock's key is
one (the submission's digest without its record id), a person's lock key is
the person's pseudonym, then ``|``, the methodology and the material
(``PERSON_PERIOD``), or the pseudonym alone (``PERSON_TRAVEL``). Every
personal claim keeps both, the person's in ``claim_locks`` (then again in
its (kind, key, lo) index; since 0033 that key is the table's), the content
one in ``claim_content_locks``: about 208 bytes of hex a claim (before 0033).
The ``LockKey`` column type keeps such a key as one 0xFF byte, the digest's
32 bytes and the rest of the key in UTF-8
(migration 0027); any other key as its UTF-8. UTF-8 never begins with 0xFF,
so the stored form reads back as exactly one key, and equal keys are equal
stored values (what the unique key, the exclusion constraint and the
overlap trigger compare).

On PostgreSQL the columns are ``bytea`` (btree_gist's ``gist_bytea_ops``
serves the exclusion constraint as ``gist_text_ops`` did). On SQLite they
keep their declared ``TEXT`` and hold BLOB values. SQL written by hand binds
``lock_key_bytes`` and reads back through ``lock_key_text``; an origin
serial's series, compared without regard to case, is read by
``lock_key_upper``.
"""

from __future__ import annotations

from typing import Any, overload

from sqlalchemy import LargeBinary, Text, case, cast, func, type_coerce
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from hub.storage.coded_text_column import CodedText, Decode, Encode

__all__ = ["LockKey", "lock_key_bytes", "lock_key_text", "lock_key_upper"]

_DIGEST_HEX = 64
_MARK = b"\xff"


@overload
def lock_key_bytes(key: str) -> bytes: ...
@overload
def lock_key_bytes(key: None) -> None: ...
def lock_key_bytes(key: str | None) -> bytes | None:
    """The stored form of a lock key; None stays None. Flat, as
    hex_digest_column's codec: it is the column's bind processor."""
    if key is None:
        return None
    if len(key) >= _DIGEST_HEX and (len(key) == _DIGEST_HEX or key[_DIGEST_HEX] == "|"):
        head = key[:_DIGEST_HEX]
        try:
            digest = bytes.fromhex(head)
        except ValueError:
            pass
        else:
            if digest.hex() == head:
                return _MARK + digest + key[_DIGEST_HEX:].encode("utf-8")
    return key.encode("utf-8")


@overload
def lock_key_text(stored: bytes | memoryview | str) -> str: ...
@overload
def lock_key_text(stored: None) -> None: ...
def lock_key_text(stored: bytes | memoryview | str | None) -> str | None:
    """A lock key from its stored form (text, as a row written by hand or
    before the conversion holds, is itself); None stays None."""
    if stored is None or isinstance(stored, str):
        return stored
    value = bytes(stored)
    if value[:1] == _MARK:
        return value[1:33].hex() + value[33:].decode("utf-8")
    return value.decode("utf-8")


def lock_key_upper(
    column: ColumnElement[Any] | QueryableAttribute[Any], dialect: str
) -> ColumnElement[Any]:
    """A key column's text upper-cased in SQL, NULL for a key that begins
    with a digest (never an origin serial's series)."""
    raw = type_coerce(column, LargeBinary())
    if dialect == "postgresql":
        return case(
            (func.substring(raw, 1, 1) == _MARK, None),
            else_=func.upper(func.convert_from(raw, "UTF8")),
        )
    return func.upper(cast(raw, Text))


class LockKey(CodedText):
    """A lock key column: text to the hub, its stored form to the database."""

    impl = Text
    cache_ok = True  # SQLAlchemy reads it from each class's own namespace

    def codec(self) -> tuple[Encode, Decode]:
        return lock_key_bytes, lock_key_text
