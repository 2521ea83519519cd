"""Shared fixtures for the service tests: the real standard, a fixed clock, in-memory storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.standard import Standard, default_standards_dir, load_standard
from tests.fakes import FakeUnitOfWorkFactory

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard(default_standards_dir())


@pytest.fixture
def uow_factory() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory(fixed_clock)
