"""A range lock's kind kept on SQLite as one character (migration 0036).

Every range lock names its kind (``PERSON_PERIOD``, ``PERSON_TRAVEL`` ...):
13 characters in a personal claim's lock, the first part of the lock table's
key since 0033. ``LockKindCode`` keeps it on SQLite as the one-character
code below. A code, not a number: the column's declared ``VARCHAR`` gives it
text affinity, so SQLite would store a number as its text anyway. The codes
are fixed for good: a stored ledger holds them.

PostgreSQL keeps the names: its exclusion constraint compares kinds with
``=`` (btree_gist), and one type a column there is plainer.

SQLite refuses a lock whose kind is not a range kind's code (a trigger,
0036): a kind written by hand as its name would escape every comparison the
hub and the overlap trigger make. SQL written by hand on SQLite uses the
code (``LOCK_KIND_CODES``); docs/operating.md lists them.
"""

from __future__ import annotations

from typing import Any, overload

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from hub.domain.locks import LockKind

__all__ = ["LOCK_KIND_CODES", "LockKindCode", "lock_kind_code", "lock_kind_text"]

LOCK_KIND_CODES: dict[str, str] = {
    LockKind.PERSON_PERIOD.value: "1",
    LockKind.PERSON_TRAVEL.value: "2",
    LockKind.PROJECT_PERIOD.value: "3",
    LockKind.ORIGIN_SERIAL.value: "4",
    LockKind.CONTENT.value: "5",  # never stored in claim_locks: its trigger refuses it
}
_KINDS = {code: kind for kind, code in LOCK_KIND_CODES.items()}


@overload
def lock_kind_code(kind: str) -> str: ...
@overload
def lock_kind_code(kind: None) -> None: ...
def lock_kind_code(kind: str | None) -> str | None:
    """The stored form of a kind on SQLite; text that is no kind stays itself."""
    if kind is None:
        return None
    return LOCK_KIND_CODES.get(str(kind), kind)


@overload
def lock_kind_text(stored: str) -> str: ...
@overload
def lock_kind_text(stored: None) -> None: ...
def lock_kind_text(stored: str | None) -> str | None:
    """A kind from its stored form: a code on SQLite, the name on PostgreSQL."""
    if stored is None:
        return None
    return _KINDS.get(stored, stored)


class LockKindCode(TypeDecorator[str]):
    """A lock's kind: its name on PostgreSQL, its code on SQLite."""

    impl = String(32)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return lock_kind_code
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return lock_kind_text
        return super().result_processor(dialect, coltype)

    def literal_processor(self, dialect: Dialect) -> Any:
        # A statement compiled with its values inline compares with the code.
        if dialect.name == "sqlite":
            return _literal
        return super().literal_processor(dialect)


def _literal(value: str) -> str:
    return "'" + lock_kind_code(value).replace("'", "''") + "'"
