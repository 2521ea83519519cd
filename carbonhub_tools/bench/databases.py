"""Fresh databases for a benchmark run: the hub's, and the baseline's of the same kind.

SQLite: files in the run's folder (a given SQLite URL must name a file that
does not exist yet). PostgreSQL: two fresh schemas in the given database
(connections put them first on their search_path), dropped at the end, so
the run never touches another user's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


class DatabaseRefused(ValueError):
    pass


@dataclass(frozen=True)
class BenchDatabases:
    kind: str  # "sqlite" or "postgresql"
    hub_url: str
    baseline_url: str


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseRefused("the benchmark needs a SQLite file, not an in-memory database")
    return Path(database)


@contextmanager
def fresh_databases(database_url: str | None, folder: Path) -> Iterator[BenchDatabases]:
    if database_url is None or make_url(database_url).get_backend_name() == "sqlite":
        hub_path = _sqlite_path(database_url) if database_url else folder / "hub.db"
        if hub_path.exists():
            raise DatabaseRefused(f"{hub_path} exists: the benchmark starts from a fresh database")
        baseline_path = hub_path.with_name(hub_path.stem + "-baseline.db")
        baseline_path.unlink(missing_ok=True)
        hub_path.parent.mkdir(parents=True, exist_ok=True)
        yield BenchDatabases(
            "sqlite", f"sqlite:///{hub_path.resolve()}", f"sqlite:///{baseline_path.resolve()}"
        )
        return
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseRefused(f"unsupported database {parsed.get_backend_name()!r}")
    parsed = parsed.set(drivername="postgresql+psycopg")
    tag = uuid.uuid4().hex[:10]
    schemas = (f"bench_hub_{tag}", f"bench_baseline_{tag}")
    admin = create_engine(parsed, connect_args={"connect_timeout": 10})
    try:
        with admin.begin() as connection:
            # In public, once: a schema of the run must not own the extension.
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public"))
            for schema in schemas:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        urls = [
            parsed.update_query_dict(
                {"options": f"-csearch_path={schema},public"}
            ).render_as_string(hide_password=False)
            for schema in schemas
        ]
        try:
            yield BenchDatabases("postgresql", urls[0], urls[1])
        finally:
            with admin.begin() as connection:
                for schema in schemas:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()
