"""A calendar day kept on SQLite as its number of days since 1970-01-01.

SQLite has no date type: SQLAlchemy's ``Date`` keeps a day there as ten
characters of ISO text ("2024-01-05"), 11 bytes in a record. A personal
claim wrote its Shenzhen activity day twice over (its award's ``day`` in
``points_entries`` and that table's (partner, person, day) index) and once
more as the first part of its travel row's key (``person_travel_days``).
``CompactDay`` keeps the days since 1970-01-01 as an integer (migration
0032): 2 or 3 bytes for any day of this century, read back as the very same
``date``, so nothing above storage sees the difference. Integers order as
the days do, so comparisons and orders in SQL keep their sense.

PostgreSQL keeps ``date`` (4 bytes already): unchanged there.

A day written as text (by a hub before the conversion, or by hand) still
reads as its day. SQL written by hand on SQLite compares such a column with
the integer (``day_number``); ``date(day * 86400, 'unixepoch')`` spells one.
"""

from __future__ import annotations

from datetime import date
from typing import Any, overload

from sqlalchemy import Date
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["CompactDay", "day_from_number", "day_number"]

_EPOCH = date(1970, 1, 1).toordinal()


@overload
def day_number(value: date) -> int: ...
@overload
def day_number(value: None) -> None: ...
def day_number(value: date | None) -> int | None:
    """A day as its number of days since 1970-01-01; None stays None."""
    return None if value is None else value.toordinal() - _EPOCH


def day_from_number(stored: int | str | None) -> date | None:
    """The day of a stored value: days since 1970, or ISO text as SQLite's
    ``DATE`` kept it before; None stays None."""
    if stored is None:
        return None
    if isinstance(stored, int):
        return date.fromordinal(stored + _EPOCH)
    return date.fromisoformat(stored)


class CompactDay(TypeDecorator[date]):
    """A calendar day: ``date`` on PostgreSQL, days since 1970 on SQLite (the
    column keeps its declared ``DATE``)."""

    impl = Date
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return day_number
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return day_from_number
        return super().result_processor(dialect, coltype)

    def literal_processor(self, dialect: Dialect) -> Any:
        # A statement compiled with its values inline compares with the
        # integer, never with ISO text.
        if dialect.name == "sqlite":
            return lambda value: str(day_number(value))
        return super().literal_processor(dialect)
