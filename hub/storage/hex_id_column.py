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

from sqlalchemy import String

from hub.storage.coded_text_column import CodedText, Decode, Encode, fixed_hex_codec

__all__ = ["HexId", "id_bytes", "id_text"]

# The stored form of a hex id (or of any text), and the text back from it
# (hub.storage.coded_text_column.fixed_hex_codec); None stays None.
id_bytes, id_text = fixed_hex_codec(16)


class HexId(CodedText):
    """A claim id column: text to the hub, its stored form to the database."""

    impl = String(64)
    cache_ok = True  # SQLAlchemy reads it from each class's own namespace

    def codec(self) -> tuple[Encode, Decode]:
        return id_bytes, id_text
