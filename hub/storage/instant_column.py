"""A UTC instant kept on SQLite as integer microseconds since 1970.

SQLite has no timestamp type: ``UtcDateTime`` keeps an instant there as
26 characters of ISO text ("2026-12-07 04:55:26.973141"). A personal claim
kept five such instants (its period's start and end, its arrival; its award's
time and expiry), and two indexes repeated them: about 27 bytes each where the
instant is 8 bytes of information. ``CompactInstant`` keeps the microseconds
since 1970-01-01 UTC as an integer (migration 0029), read back as the very
same aware instant, so nothing above storage sees the difference. Integers
order as the instants do, so comparisons and orders in SQL keep their sense.

PostgreSQL keeps ``timestamptz`` (8 bytes already): unchanged there.

A value written as text (by hand, or by a hub before the conversion) still
reads as its instant. SQL written by hand on SQLite compares such a column
with an integer (``instant_micros``), never with ISO text, and
``sqlite_month`` gives the "YYYY-MM" of either form.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, overload

from sqlalchemy import Integer, String, case, func, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from hub.storage.tables import UtcDateTime

__all__ = ["CompactInstant", "instant_from_micros", "instant_micros", "sqlite_month"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = 1_000_000
_DAY = 86_400


@overload
def instant_micros(value: datetime) -> int: ...
@overload
def instant_micros(value: None) -> None: ...
def instant_micros(value: datetime | None) -> int | None:
    """An aware instant as microseconds since 1970 UTC; None stays None."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the ledger stores aware UTC instants")
    delta = value - _EPOCH  # exact, in any zone: aware subtraction
    return (delta.days * _DAY + delta.seconds) * _MICROS + delta.microseconds


def instant_from_micros(stored: int | str | None) -> datetime | None:
    """The aware UTC instant of a stored value: integer microseconds, or ISO
    text as SQLite's ``DATETIME`` kept it before; None stays None."""
    if stored is None:
        return None
    if isinstance(stored, int):
        return _EPOCH + timedelta(microseconds=stored)
    parsed = datetime.fromisoformat(stored)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def sqlite_month(column: Any) -> ColumnElement[str]:
    """The UTC "YYYY-MM" of a ``CompactInstant`` column on SQLite, whichever
    form a row keeps."""
    micros = type_coerce(column, Integer)
    # Whole seconds, floored: SQLite's integer division truncates toward
    # zero (an instant just before 1970 would round up into the next month)
    # and strftime rounds a fractional second to the millisecond.
    seconds = (micros - (micros % _MICROS + _MICROS) % _MICROS) // _MICROS
    month = case(
        (func.typeof(column) == "integer", func.strftime("%Y-%m", seconds, "unixepoch")),
        else_=func.substr(column, 1, 7),
    )
    return type_coerce(month, String)


class CompactInstant(UtcDateTime):
    """An aware UTC instant: ``timestamptz`` on PostgreSQL, integer
    microseconds on SQLite (the column keeps its declared ``DATETIME``)."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return instant_micros
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return instant_from_micros
        return super().result_processor(dialect, coltype)

    def literal_processor(self, dialect: Dialect) -> Any:
        # A statement compiled with its values inline (alembic's offline SQL)
        # compares with the integer, never with ISO text.
        if dialect.name == "sqlite":
            return lambda value: str(instant_micros(value))
        return super().literal_processor(dialect)
