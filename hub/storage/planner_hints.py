"""A column compared without its index: how the hub steers SQLite's planner.

The hub runs SQLite without ``ANALYZE`` statistics, and then SQLite's planner
picks an index from the shape of the terms alone: a query naming a claim by
key and its decision could read every claim with that decision through a
(decision, ...) index; a cap read naming a person's prefix, a day and the
award kind could read every award through the (kind, claim_id) key. A term
on an expression of the column cannot use the column's index, so the
planner takes the one the narrow terms name. The expression is
``coalesce(column, column)``: the column's own value and type (no constant
to cast on PostgreSQL, NULL as NULL). It also keeps SQLite from putting
the constant of ``column = ?`` into an index expression over the same
column (hub.storage.points_tables.PERSON_PREFIX), which would then no longer
match the index.

Each use names the index it steers away from and the one it leaves.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, func
from sqlalchemy.sql.elements import SQLCoreOperations

__all__ = ["unindexed"]

_T = TypeVar("_T")


def unindexed(column: SQLCoreOperations[_T]) -> ColumnElement[_T]:
    """``column`` as a term no index of it serves, of the same value and type."""
    return func.coalesce(column, column)
