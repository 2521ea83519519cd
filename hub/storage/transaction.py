"""The database transaction a unit of work and all its repositories share.

A unit of work is one database transaction on one connection (see
hub.storage.database for how SQLite and PostgreSQL begin it). When the
database refuses a write (unique key, an overlap constraint, a serialisation
failure or deadlock) the transaction is rolled back and
ConcurrentWriteConflict is raised: the service re-reads and decides again.

When the database cannot be reached at all (no connection, or the one in
use was lost mid-transaction) every statement raises StorageUnavailable
instead: a coded UNAVAILABLE the transports answer with a retry hint. The
transaction was not committed (or its outcome is unknown to the hub, and a
client's resend is recognised as an exact resubmission), and the next unit
of work connects afresh.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from hub.errors import StorageUnavailable
from hub.services.unit_of_work import ConcurrentWriteConflict

__all__ = ["CHUNK", "Transaction", "chunks"]

# Items per statement: keeps every query far below the bind-parameter limits
# (SQLite 32766, PostgreSQL 65535) even at four parameters per item.
CHUNK = 500

# SQLSTATEs meaning "another transaction got in the way; try again".
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_conflict(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return sqlstate in _RETRYABLE_SQLSTATES


def _unreachable(context: ExceptionContext) -> None:
    """SQLAlchemy's handle_error hook: a lost or impossible connection is StorageUnavailable."""
    error = context.sqlalchemy_exception
    connecting = context.connection is None and isinstance(error, OperationalError)
    if context.is_disconnect or connecting:
        raise StorageUnavailable(
            "DATABASE_UNAVAILABLE",
            "the database cannot be reached; retry later",
            {"dialect": context.dialect.name if context.dialect else ""},
        ) from error


def report_unreachable_database(engine: Engine) -> None:
    """Make ``engine`` raise StorageUnavailable when the database cannot be reached."""
    if not event.contains(engine, "handle_error", _unreachable):
        event.listen(engine, "handle_error", _unreachable)


class Transaction:
    """The connection a unit of work and its repositories share."""

    def __init__(self, engine: Engine) -> None:
        report_unreachable_database(engine)
        self._engine = engine
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        return self._connection

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def open(self) -> None:
        if self._connection is not None:
            raise RuntimeError("the unit of work is already open")
        self._connection = self._engine.connect()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                if connection.in_transaction():
                    connection.rollback()
            finally:
                connection.close()

    def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """Run a write; a refusal by the database becomes ConcurrentWriteConflict."""
        connection = self.connection
        try:
            yield connection
        except DBAPIError as error:
            if not _is_conflict(error):
                raise
            self.rollback()
            raise ConcurrentWriteConflict(str(error.orig)) from error

    def conflict(self, message: str) -> ConcurrentWriteConflict:
        self.rollback()
        return ConcurrentWriteConflict(message)

    def require_rows(self, result: CursorResult[Any], expected: int, message: str) -> None:
        """A conditional write touched ``expected`` rows, else roll back and refuse."""
        if result.rowcount != expected:
            raise self.conflict(message)
