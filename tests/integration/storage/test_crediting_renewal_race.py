"""Two registrations of one project's crediting period at the same moment, on a
real database: each is decided against the period the other left, never
against the one both read first.

The project runs 14 years (one renewal of the 7-year option used). One
registration shortens it to its first 7 years, the other renews it to 21.
In either order the renewal rule leaves the period at 7 years: after the
shortening a jump of two periods is refused; after the renewal the
shortening still applies. Decided against the same stale 14 years, both
would be accepted and the renewal could be the last write, leaving 21 years
the rule refuses (PostgreSQL takes the rows FOR UPDATE; SQLite's writer
holds the database).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.services.projects import ProjectRegistrationService, ProjectResult
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PARTNER, PROJECT_ID, pv_project

START = "2016-01-01"


@pytest.fixture
def service(migrated_url: str) -> Iterator[tuple[ProjectRegistrationService, Callable[[], date]]]:
    engine = create_engine_for(migrated_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    projects = ProjectRegistrationService(
        factory, load_standard(default_standards_dir()), write_retries=20
    )

    def stored_end() -> date:
        with factory() as uow:
            return uow.projects.get_many(PARTNER, [PROJECT_ID])[PROJECT_ID].crediting_end

    yield projects, stored_end
    engine.dispose()


def _register(projects: ProjectRegistrationService, end: str) -> ProjectResult:
    (result,) = projects.register(PARTNER, [pv_project(crediting_start=START, crediting_end=end)])
    return result


@pytest.mark.parametrize("round_", range(3))
def test_a_renewal_racing_a_shortening_never_outlasts_the_rule(
    service: tuple[ProjectRegistrationService, Callable[[], date]], round_: int
) -> None:
    projects, stored_end = service
    assert _register(projects, "2022-12-31").decision is Decision.ACCEPTED
    assert _register(projects, "2029-12-31").decision is Decision.ACCEPTED

    start = threading.Barrier(2)

    def at_once(end: str) -> ProjectResult:
        start.wait(timeout=30)
        return _register(projects, end)

    with ThreadPoolExecutor(2) as pool:
        shortened, renewed = pool.map(at_once, ["2022-12-31", "2036-12-31"])

    assert shortened.decision is Decision.ACCEPTED
    assert stored_end() == date(2022, 12, 31)
    if renewed.decision is Decision.REJECTED:
        assert [c.code for c in renewed.checks] == ["CREDITING_RENEWAL_NOT_ALLOWED"]
        assert renewed.checks[0].details["previous_end"] == "2022-12-31"
    else:
        assert renewed.decision is Decision.ACCEPTED
