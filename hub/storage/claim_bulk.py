"""Bulk inserts on the ingestion hot path, below SQLAlchemy's per-row work.

``insert(Table)`` with a list of dicts makes SQLAlchemy, for every row,
build the bound parameters and run each column's bind processor through its
compiled-statement machinery; with thousands of rows per batch that showed
up in the ingestion profile (docs/ingestion-profile.md) beside the
database's own insert work. Here the statement text is built once per table
and column list, each row becomes a tuple through the very same bind
processors SQLAlchemy would use (so SQLite and PostgreSQL store exactly what
``insert(Table)`` stores), and the tuples go to the driver's executemany.

Constraints, triggers and indexes are the database's and run as before; a
refused row still raises IntegrityError through the unit of work's
``writing()`` (ConcurrentWriteConflict).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, Date, Table
from sqlalchemy.orm import DeclarativeBase

from hub.storage.tables import UtcDateTime

__all__ = [
    "bulk_add_keeping_earliest",
    "bulk_insert",
    "bulk_insert_values",
]

# pysqlite takes "?"; psycopg (declared "pyformat") takes positional "%s" too.

_Processor = Callable[[Any], Any] | None
_prepared: dict[tuple[str, str, tuple[str, ...], str, str], tuple[str, list[_Processor]]] = {}


def _prepare(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    adding: str = "",
    earliest: str = "",
) -> tuple[str, list[_Processor]]:
    dialect = connection.dialect
    key = (dialect.name, table.name, columns, adding, earliest)
    found = _prepared.get(key)
    if found is None:
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in columns)
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        if dialect.paramstyle not in ("qmark", "format", "pyformat"):
            raise ValueError(f"bulk_insert takes qmark or format drivers, not {dialect.paramstyle}")
        markers = ", ".join(marker for _ in columns)
        name = preparer.format_table(table)
        sql = f"INSERT INTO {name} ({names}) VALUES ({markers})"
        if adding:
            # The same words on SQLite (3.24+) and PostgreSQL: on the row's key,
            # add to the stored value instead of inserting.
            keys = ", ".join(preparer.quote(c.name) for c in table.primary_key.columns)
            column = preparer.quote(adding)
            sql += (
                f" ON CONFLICT ({keys}) DO UPDATE"
                f" SET {column} = {name}.{column} + excluded.{column}"
            )
        if adding and earliest:
            # A CASE, not min()/LEAST(): see bulk_add_keeping_earliest.
            kept = preparer.quote(earliest)
            stored, given = f"{name}.{kept}", f"excluded.{kept}"
            sql += (
                f", {kept} = CASE WHEN {given} IS NULL"
                f" OR {stored} <= {given} THEN {stored} ELSE {given} END"
            )
        processors: list[_Processor] = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
        ]
        found = _prepared[key] = (sql, processors)
    return found


def bulk_insert(
    connection: Connection, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in one executemany."""
    _execute(connection, model, rows)


def bulk_insert_values(
    connection: Connection,
    model: type[DeclarativeBase],
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Insert ``rows`` (each a tuple of ``columns``' values, in that order) into
    ``model``'s table in one executemany: bulk_insert without a dict per row
    for a caller that has the values at hand."""
    if rows:
        _execute_values(connection, model, columns, rows, "")


def bulk_add_keeping_earliest(
    connection: Connection,
    model: type[DeclarativeBase],
    column: str,
    earliest: str,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Insert ``rows`` (tuples of ``columns``' values, in that order), or where
    a row's primary key is stored already, add its ``column`` to the stored
    one (atomic per row in the database: a second process adding to the
    same row waits for it) and keep, in ``earliest``, the earlier of the
    stored value and the row's (NULL: none on that side): one executemany of
    the rows' tuples.

    A CASE, not min()/LEAST(): SQLite's two-argument min() is NULL when
    either side is, PostgreSQL's LEAST ignores NULLs. Here a NULL on either
    side yields the other side on both (``stored <= NULL`` is NULL, so a
    NULL stored value takes the row's)."""
    if rows:
        _execute_values(connection, model, columns, rows, column, earliest)


def _execute(
    connection: Connection,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    if not rows:
        return
    columns = tuple(rows[0])
    # Values read in one C call per row.
    read = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    _execute_values(connection, model, columns, map(read, rows), "")


def _execute_values(
    connection: Connection,
    model: type[DeclarativeBase],
    columns: tuple[str, ...],
    rows: Iterable[tuple[Any, ...]],
    adding: str,
    earliest: str = "",
) -> None:
    """One executemany of ``rows`` (values in ``columns``' order, at least one):
    inserts, or upserts adding to ``adding`` when it names a column (and
    keeping the earlier value of ``earliest`` when that names one)."""
    table = cast(Table, model.__table__)
    sql, processors = _prepare(connection, table, columns, adding, earliest)
    connection.exec_driver_sql(sql, _parameters(table, columns, processors, rows))


def _parameters(
    table: Table,
    columns: tuple[str, ...],
    processors: list[_Processor],
    rows: Iterable[tuple[Any, ...]],
) -> list[tuple[Any, ...]]:
    """The driver's parameters of ``rows`` (values in ``columns``' order).

    Only the columns with a processor (timestamps, days, decimals) go through
    Python, and a timestamp or day seen before in this batch is not converted
    again: equal aware instants convert to the same UTC value, equal days to
    the same text (decimals are not memoised: 1.0 == 1.00).
    """
    # Per processed column: its index, processor, memo and the exact value
    # type the memo holds (no memo: an empty one never consulted, type None;
    # only UtcDateTime columns memoise instants, Date columns days).
    processed = [
        (index, process, *_memo(table.c[columns[index]].type))
        for index, process in enumerate(processors)
        if process
    ]
    if not processed:
        return list(rows)
    parameters: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for index, process, memo, memo_type in processed:
            value = values[index]
            if type(value) is memo_type:
                found = memo.get(value, _MISSING)
                if found is _MISSING:
                    found = memo[value] = process(value)
                values[index] = found
            else:
                values[index] = process(value)
        parameters.append(tuple(values))
    return parameters


_MISSING = object()


def _memo(column_type: Any) -> tuple[dict[Any, Any], type | None]:
    if isinstance(column_type, UtcDateTime):
        return {}, datetime
    if isinstance(column_type, Date):
        return {}, date
    return {}, None
