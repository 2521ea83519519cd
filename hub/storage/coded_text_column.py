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
from typing import Any, Protocol, cast, overload

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["CodedText", "HexDecode", "HexEncode", "fixed_hex_codec"]

Encode = Callable[[str | None], bytes | None]
Decode = Callable[[bytes | memoryview | str | None], str | None]
_TEXT = b"\xff"


class HexEncode(Protocol):
    """Text to its stored form; None stays None."""

    @overload
    def __call__(self, text: str, /) -> bytes: ...
    @overload
    def __call__(self, text: None, /) -> None: ...
    @overload
    def __call__(self, text: str | None, /) -> bytes | None: ...


class HexDecode(Protocol):
    """A stored form (or text not yet converted) to its text; None stays None."""

    @overload
    def __call__(self, stored: bytes | memoryview | str, /) -> str: ...
    @overload
    def __call__(self, stored: None, /) -> None: ...
    @overload
    def __call__(self, stored: bytes | memoryview | str | None, /) -> str | None: ...


def fixed_hex_codec(size: int) -> tuple[HexEncode, HexDecode]:
    """The codec of a value that is ``size`` bytes spelled in lower-case hex
    (a digest, a claim id): such a value is kept as its bytes; any other text
    as its UTF-8 after one 0xFF byte, two when that would make ``size``
    bytes. UTF-8 never holds 0xFF, so a stored value of exactly ``size``
    bytes is hex and any other is text; the two never compare equal, and the
    bytes of hex values sort as their digits do.

    The two functions run for several values of every claim, on the bulk
    paths as the columns' processors themselves: each is one flat Python
    call (a helper call more cost about 1,000 instructions a value,
    callgrind, docs/ingestion-profile.md, sixteenth round). ``bytes.fromhex``
    and ``bytes.hex`` check the digits in C; ``fromhex`` also reads upper
    case and spaces, so the spelling back must be the text itself.
    """
    digits = 2 * size
    marked_twice = size - 1  # UTF-8 of this length: two marks, never ``size``

    def encode(text: str | None) -> bytes | None:
        if text is None:
            return None
        if len(text) == digits:
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                pass
            else:
                if raw.hex() == text:
                    return raw
        encoded = text.encode("utf-8")
        return (b"\xff\xff" if len(encoded) == marked_twice else _TEXT) + encoded

    def decode(stored: bytes | memoryview | str | None) -> str | None:
        if stored is None or isinstance(stored, str):
            return stored
        if len(stored) == size:
            return stored.hex()
        return bytes(stored).lstrip(_TEXT).decode("utf-8")

    return cast(HexEncode, encode), cast(HexDecode, decode)


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
