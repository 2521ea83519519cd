"""Engines, migrations and database URLs.

SQLite is the embedded default, PostgreSQL the production database. Either
way the double-counting rules are constraints of the database, and a unit of
work is one database transaction:

* SQLite: the pysqlite driver's own transaction handling is switched off
  (``isolation_level = None`` on each DBAPI connection) and SQLAlchemy's
  ``begin`` event emits ``BEGIN IMMEDIATE`` instead, as SQLAlchemy's
  documentation describes for pysqlite. A unit of work therefore takes the
  database's write lock before its first read: writers in any number of
  processes are serialised and a check-then-insert is atomic. WAL keeps
  readers of other connections unblocked; busy_timeout makes a waiting
  writer queue (30 s) instead of failing at once.
* PostgreSQL: READ COMMITTED; the unique and exclusion constraints refuse a
  concurrent conflicting write, which surfaces as ConcurrentWriteConflict.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from hub.errors import InvalidRequest, NotFound, StorageUnavailable
from hub.storage.transaction import report_unreachable_database

__all__ = [
    "BUSY_TIMEOUT_MS",
    "SQLITE_FILE_NAME",
    "alembic_config",
    "create_engine_for",
    "downgrade",
    "migrate",
    "migrate_engine",
    "redacted_url",
    "require_hub_database",
    "sqlite_url_for",
]

BUSY_TIMEOUT_MS = 30_000
SQLITE_FILE_NAME = "hub.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _unsupported(url: str) -> InvalidRequest:
    return InvalidRequest(
        "DATABASE_UNSUPPORTED",
        f"{redacted_url(url)} is not a database the hub supports: give a PostgreSQL URL "
        "(postgresql://user@host:5432/name) or --data-dir for the embedded SQLite database",
    )


@contextlib.contextmanager
def _reaching(url: str) -> Iterator[None]:
    """DATABASE_UNAVAILABLE naming the database (password hidden) for the
    operator who gave its URL; the transport's message names none."""
    try:
        yield
    except StorageUnavailable as down:
        raise StorageUnavailable(
            down.code, f"cannot reach the database at {redacted_url(url)}", down.details
        ) from down


def redacted_url(url: str) -> str:
    """``url`` as it may be shown: the password hidden, never the text given
    when it does not parse (it may be a password pasted in the wrong place)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the --database-url given"


def _normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as problem:
        raise _unsupported(url) from problem
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory(parsed: URL) -> bool:
    return parsed.database in (None, "", ":memory:") or bool(parsed.query.get("mode") == "memory")


def create_engine_for(url: str, **engine_options: Any) -> Engine:
    """An engine configured for the hub's transaction model (see module doc).

    A URL of another database, or none at all, is DATABASE_UNSUPPORTED; a
    database that cannot be reached surfaces as DATABASE_UNAVAILABLE
    (StorageUnavailable) on first use, migrations included.
    """
    parsed = _normalise_url(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(parsed, engine_options)
        elif backend == "postgresql":
            engine_options.setdefault("isolation_level", "READ COMMITTED")
            engine_options.setdefault("pool_pre_ping", True)
            engine = create_engine(parsed, **engine_options)
        else:
            raise _unsupported(url)
    except (NoSuchModuleError, ImportError) as problem:  # a driver the hub does not ship
        raise _unsupported(url) from problem
    report_unreachable_database(engine)
    return engine


def _sqlite_engine(parsed: URL, engine_options: dict[str, Any]) -> Engine:
    connect_args: dict[str, Any] = dict(engine_options.pop("connect_args", {}))
    connect_args.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
    if _is_memory(parsed):
        # One shared connection, or every checkout would see its own empty database.
        connect_args.setdefault("check_same_thread", False)
        engine_options.setdefault("poolclass", StaticPool)
    engine = create_engine(parsed, connect_args=connect_args, **engine_options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite: no implicit BEGIN/COMMIT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Take the write lock up front: the unit of work's reads and writes
        # form one serialised transaction across all processes.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def require_hub_database(url: str, data_dir: Path | None = None) -> None:
    """Refuse (LEDGER_NOT_FOUND) unless ``url`` holds a hub database: for the
    commands that work on an existing ledger, which must not make an empty one
    where a mistyped --data-dir or URL points. The schema may be older than
    this version (``migrate`` brings it up); it must exist."""
    parsed = _normalise_url(url)
    hint = "run `carbon-hub pki init`, `serve` or `demo` with it first, or pass --database-url"
    if parsed.get_backend_name() == "sqlite" and not _is_memory(parsed):
        path = Path(str(parsed.database))
        if not path.is_file():
            where = data_dir if data_dir is not None else path.parent
            raise NotFound(
                "LEDGER_NOT_FOUND", f"no hub database in {where} ({hint})", {"path": str(path)}
            )
    engine = create_engine_for(url)
    try:
        with _reaching(url), engine.connect() as connection:
            # In the schema migrations write to (PostgreSQL: current_schema(),
            # the first of the search_path), not any schema the path shows.
            schema = connection.dialect.default_schema_name
            migrated = inspect(connection).has_table("alembic_version", schema=schema)
    except DatabaseError:  # e.g. a file that is not SQLite at all
        migrated = False
    finally:
        engine.dispose()
    if not migrated:
        raise NotFound(
            "LEDGER_NOT_FOUND",
            f"{redacted_url(url)} holds no hub database (no hub schema; {hint})",
        )


def sqlite_url_for(data_dir: Path) -> str:
    """The URL of the hub's embedded database in ``data_dir`` (created if missing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data_dir / SQLITE_FILE_NAME).resolve()}"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for the hub's migrations, built in code.

    Pass an open ``connection`` (preferred) or a ``url``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextlib.contextmanager
def _migration_guard(parsed: URL) -> Iterator[None]:
    """Serialise migrations of one SQLite file across processes.

    The migration transaction itself starts with BEGIN IMMEDIATE, but
    switching a brand-new file to WAL and creating it happen before that;
    a lock file next to the database covers those too. PostgreSQL is
    guarded by an advisory lock inside the migration transaction (env.py).
    """
    if parsed.get_backend_name() != "sqlite" or _is_memory(parsed) or not parsed.database:
        yield
        return
    lock_path = (
        Path(parsed.database).resolve().with_name(Path(parsed.database).name + ".migrate-lock")
    )
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a")
    except OSError as problem:  # a file where the folder should be, no permission
        raise StorageUnavailable(
            "DATABASE_UNAVAILABLE",
            f"cannot use {lock_path.parent} for the SQLite database: {problem.strerror or problem}",
        ) from problem
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _run_on(engine: Engine, action: str, revision: str) -> None:
    with engine.connect() as connection:
        config = alembic_config(connection=connection)
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
        if connection.in_transaction():
            connection.commit()


def _run_alembic(url: str, action: str, revision: str) -> None:
    parsed = _normalise_url(url)
    # The guard outside: its own refusal names the folder it could not use.
    with _migration_guard(parsed), _reaching(url):
        engine = create_engine_for(url)
        try:
            _run_on(engine, action, revision)
        finally:
            engine.dispose()


def migrate_engine(engine: Engine) -> None:
    """``migrate`` through an existing engine (e.g. an in-memory SQLite one)."""
    with _migration_guard(engine.url):
        _run_on(engine, "upgrade", "head")


def migrate(url: str) -> None:
    """Bring the schema at ``url`` to the newest revision (alembic upgrade head).

    Safe to call from several processes at once.
    """
    _run_alembic(url, "upgrade", "head")


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema at ``url`` back to ``revision`` (default: empty)."""
    _run_alembic(url, "downgrade", revision)
