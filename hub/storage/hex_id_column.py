"""A claim id spelled in hex, kept as its 16 bytes.

The hub names a claim by a UUIDv7 in 32 lower-case hex digits
(hub.services.ingestion), and that id was kept as text wherever a row names
its claim: the claim row and its primary key, its range locks and their
claim index, its content lock, its points award and the award's
(kind, claim id) key, its travel row, its site binding, its issuance parts,
its cancellation at source, a refused resubmission: 33 bytes on SQLite each
time where the id is 16 bytes of information. The ``HexId`` column type
keeps the 16 bytes (migration 0028) and gives the hub back the same text, so
nothing above storage sees the difference.

Any other text (a claim id written by hand or by a test) is kept too,
losslessly: its UTF-8 bytes after one 0xFF byte (two when that would make 16
bytes). UTF-8 never holds 0xFF, so a stored value of exactly 16 bytes is a
hex id and any other is text; the two never compare equal. A hex id's bytes
sort as its digits do, so an order by claim id among the hub's ids is the
order it was; an id written by hand may now sort elsewhere among them.

On PostgreSQL the columns are ``bytea``. On SQLite they keep their declared
``VARCHAR`` and hold BLOB values, as ``HexDigest``'s (hub.storage.
hex_digest_column). SQL written by hand binds the stored form
(``id_bytes``) where it compares such a column with a value and reads the
stored form back (``id_text``); comparing two such columns (a join of a
claim with its locks) needs neither.
"""

from __future__ import annotations

from typing import overload

from sqlalchemy import String

from hub.storage.coded_text_column import CodedText, Decode, Encode

__all__ = ["HexId", "id_bytes", "id_text"]

_ID = 16
_HEX = 2 * _ID
_TEXT = b"\xff"

# Flat, as hex_digest_column's codec, for the same reason: they are the
# columns' processors on the bulk paths, several values a claim.


@overload
def id_bytes(text: str) -> bytes: ...
@overload
def id_bytes(text: None) -> None: ...
def id_bytes(text: str | None) -> bytes | None:
    """The stored form of a hex id (or of any text); None stays None."""
    if text is None:
        return None
    if len(text) == _HEX:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            pass
        else:
            # fromhex also reads upper case and spaces: only the hub's own
            # spelling is kept as bytes, so the text reads back as it was.
            if raw.hex() == text:
                return raw
    encoded = text.encode("utf-8")
    return (b"\xff\xff" if len(encoded) == _ID - 1 else _TEXT) + encoded


@overload
def id_text(stored: bytes | memoryview | str) -> str: ...
@overload
def id_text(stored: None) -> None: ...
def id_text(stored: bytes | memoryview | str | None) -> str | None:
    """A hex id (or the text) from its stored form; text, as a row written
    before the conversion holds, is itself; None stays None."""
    if stored is None or isinstance(stored, str):
        return stored
    if len(stored) == _ID:
        return stored.hex()
    return bytes(stored).lstrip(_TEXT).decode("utf-8")


class HexId(CodedText):
    """A claim id column: text to the hub, its stored form to the database."""

    impl = String(64)
    cache_ok = True  # SQLAlchemy reads it from each class's own namespace

    def codec(self) -> tuple[Encode, Decode]:
        return id_bytes, id_text
