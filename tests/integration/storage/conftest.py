"""Unit-of-work factories for the storage contract (the fake, SQLite, PostgreSQL),
and the fixtures the audit and transparency log tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carbonhub_contract.key_files import write_ed25519_keypair
from hub.services.unit_of_work import UnitOfWorkFactory
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.fakes import FakeUnitOfWorkFactory


@pytest.fixture(
    params=[
        pytest.param("fake", id="fake"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """The same contract, checked against the in-memory fake and both databases."""
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    migrate(url)
    engine = create_engine_for(url)
    try:
        yield SqlAlchemyUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


# The audit log's and transparency log's tests: the hub's signing key, and a
# unit-of-work factory over the migrated database of each backend.
@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    pki = tmp_path / "pki"
    write_ed25519_keypair(pki / "hub-signing.key", pki / "hub-signing.pub")
    return pki


@pytest.fixture
def factory(engine: Engine) -> SqlAlchemyUnitOfWorkFactory:
    # ``engine``: tests/integration/conftest.py's, over ``migrated_url``.
    return SqlAlchemyUnitOfWorkFactory(engine)
