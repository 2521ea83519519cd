"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from HUB_TEST_POSTGRES_URL, else from HUB_DATABASE_URL when
that names PostgreSQL (default: the local trust-auth server, database
``test``). Each test gets a fresh schema of its own (made the first entry
of the connection's search_path, dropped afterwards), so tests are
independent and may run in any order. If PostgreSQL cannot be
reached the PostgreSQL half is skipped, except in CI (env CI set and not
"false"/"0"), where an unreachable PostgreSQL fails the test instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from hub.storage.database import create_engine_for, migrate

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]

_postgres_error: list[str | None] = []


def postgres_url() -> str:
    # HUB_DATABASE_URL is what `carbon-hub serve` reads: pointing it at a
    # PostgreSQL server points the suite's PostgreSQL half there too.
    configured = os.environ.get("HUB_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        return os.environ.get("HUB_TEST_POSTGRES_URL") or configured
    return os.environ.get("HUB_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _admin_engine() -> Engine:
    return create_engine(
        make_url(postgres_url()).set(drivername="postgresql+psycopg"),
        connect_args={"connect_timeout": 5},
    )


def _require_postgres() -> None:
    """Skip (locally) or fail (in CI) when PostgreSQL is unreachable."""
    if not _postgres_error:
        engine = _admin_engine()
        try:
            with engine.begin() as connection:
                connection.execute(text("SELECT 1"))
                # In public, once: a per-test schema must not own the extension.
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public"))
            _postgres_error.append(None)
        except Exception as error:  # any failure to reach or prepare the server
            _postgres_error.append(f"{type(error).__name__}: {error}")
        finally:
            engine.dispose()
    failure = _postgres_error[0]
    if failure is not None:
        message = f"PostgreSQL at {postgres_url()} is not usable: {failure}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a fresh, empty schema."""
    _require_postgres()
    schema = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_url()).update_query_dict(
            {"options": f"-csearch_path={schema},public"}
        )
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (not migrated) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        yield request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def migrated_url(database_url: str) -> str:
    migrate(database_url)
    return database_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = create_engine_for(migrated_url)
    yield engine
    engine.dispose()
