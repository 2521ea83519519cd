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

from sqlalchemy import String

from hub.storage.coded_text_column import CodedText, Decode, Encode, fixed_hex_codec

__all__ = ["HexDigest", "digest_bytes", "digest_text"]

# The stored form of a digest (or of any text), and the text back from it
# (hub.storage.coded_text_column.fixed_hex_codec); None stays None.
digest_bytes, digest_text = fixed_hex_codec(32)


class HexDigest(CodedText):
    """A digest column: text to the hub, its stored form to the database."""

    impl = String(200)
    cache_ok = True  # SQLAlchemy reads it from each class's own namespace

    def codec(self) -> tuple[Encode, Decode]:
        return digest_bytes, digest_text
