"""A text column the database keeps in a compact byte form.

Three column types share this shape (issue 18): ``HexDigest`` (a SHA-256
digest's 32 bytes, hub.storage.hex_digest_column), ``HexId`` (a claim id's
16 bytes, hub.storage.hex_id_column) and ``LockKey`` (a lock key's leading
digest as bytes, hub.storage.lock_key_column). Each gives the hub back the
very text it wrote; only its two codec functions differ.

On PostgreSQL such a column is ``bytea``. On SQLite it keeps its declared
text type and holds BLOB values (SQLite stores a value's own type whatever
the column declares), so converting a ledger rewrites values, not tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["CodedText"]

Encode = Callable[[str | None], bytes | None]
Decode = Callable[[bytes | memoryview | str | None], str | None]


class CodedText(TypeDecorator[str]):
    """Text to the hub, its stored form to the database. A subclass names
    its SQLite type as ``impl``, its codec in ``codec``, and sets
    ``cache_ok`` itself (SQLAlchemy does not inherit it)."""

    cache_ok = True

    def codec(self) -> tuple[Encode, Decode]:
        """The functions from text to the stored form and back."""
        raise NotImplementedError

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(LargeBinary())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return self.codec()[0](value)

    def process_result_value(
        self, value: bytes | memoryview | str | None, dialect: Dialect
    ) -> str | None:
        return self.codec()[1](value)

    # The codec functions themselves as the processors, not TypeDecorator's
    # wrappers around the two methods above: they run for several values of
    # every claim on the bulk paths, and each Python call costs about 1,000
    # instructions (docs/ingestion-profile.md, sixteenth round).
    def bind_processor(self, dialect: Dialect) -> Any:
        return self.codec()[0]

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        return self.codec()[1]
