"""A SHA-256 digest spelled in hex, kept as its 32 bytes.

Two values of a personal claim are SHA-256 digests spelled in 64 lower-case
hex digits: its person's pseudonym (an HMAC; a claim with anything else is
refused, ``PSEUDONYM_MALFORMED``) and its content digest (the hub's own).
The pseudonym was kept as text in five places (the claim row and its
(person, period) index, the points entry and its (partner, person, day)
index, the travel row), the content digest in the claim row: 64 of about
2,150 bytes a claim each time. The ``HexDigest`` column type keeps the
digest's 32 bytes (migration 0026) and gives the hub back the same text, so
nothing above storage sees the difference.

Any other text (a refused claim's malformed pseudonym, a balance asked for
with one, a row written by hand) is kept too, losslessly: its UTF-8 bytes
after one 0xFF byte (two when that would make 32 bytes). UTF-8 never holds
0xFF, so a stored value of exactly 32 bytes is a digest and any other is
text; the two never compare equal, so a malformed pseudonym never finds a
well-formed one's rows. A digest's bytes sort as its hex digits do.

On PostgreSQL the columns are ``bytea``. On SQLite they keep their declared
``VARCHAR`` and hold BLOB values (SQLite stores a value's own type whatever
the column declares), so converting a ledger rewrites values, not tables.
SQL written by hand must bind the stored form (``digest_bytes``) where it
compares such a column with a value, and reads the stored form back
(``digest_text``); comparing two such columns needs neither.
"""

from __future__ import annotations

from typing import overload

from sqlalchemy import String

from hub.storage.coded_text_column import CodedText, Decode, Encode

__all__ = ["HexDigest", "digest_bytes", "digest_text"]

_DIGEST = 32
_TEXT = b"\xff"

# These run for several values of every claim, on the bulk paths as the
# columns' processors themselves: written flat, each Python call costing
# about 1,000 instructions more than the C work it wraps (callgrind,
# docs/ingestion-profile.md, sixteenth round). ``bytes.fromhex`` and
# ``bytes.hex`` check the digits in C; ``fromhex`` also reads upper case and
# spaces, so the spelling back must be the text itself.


@overload
def digest_bytes(text: str) -> bytes: ...
@overload
def digest_bytes(text: None) -> None: ...
def digest_bytes(text: str | None) -> bytes | None:
    """The stored form of a digest (or of any text); None stays None."""
    if text is None:
        return None
    if len(text) == 64:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            pass
        else:
            if raw.hex() == text:
                return raw
    encoded = text.encode("utf-8")
    return (b"\xff\xff" if len(encoded) == _DIGEST - 1 else _TEXT) + encoded


@overload
def digest_text(stored: bytes | memoryview | str) -> str: ...
@overload
def digest_text(stored: None) -> None: ...
def digest_text(stored: bytes | memoryview | str | None) -> str | None:
    """A digest (or the text) from its stored form; text, as a row written
    before the conversion or by hand holds, is itself; None stays None."""
    if stored is None or isinstance(stored, str):
        return stored
    if len(stored) == _DIGEST:
        return stored.hex()
    return bytes(stored).lstrip(_TEXT).decode("utf-8")


class HexDigest(CodedText):
    """A digest column: text to the hub, its stored form to the database."""

    impl = String(200)
    cache_ok = True  # SQLAlchemy reads it from each class's own namespace

    def codec(self) -> tuple[Encode, Decode]:
        return digest_bytes, digest_text
