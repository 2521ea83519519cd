"""Unit-of-work factories for the storage contract: the fake, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
