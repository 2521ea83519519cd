"""Two officers act on one project or one claim at the same moment, on a real
database: exactly one of them moves it, the other gets the coded refusal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.project_review import ProjectReviewState
from hub.errors import FailedPrecondition
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.projects import ProjectRegistrationService
from hub.services.review import ReviewService
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.review_standards import bureau_reviewed_standard
from tests.unit.services.builders import PARTNER, PROJECT_ID, pv, pv_project


def _both_at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; each returns its result or error."""
    start = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        start.wait(timeout=30)
        try:
            return action()
        except FailedPrecondition as refused:
            return refused

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Any:
    standard = bureau_reviewed_standard(tmp_path / "standards")
    engine = create_engine_for(migrated_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    projects = ProjectRegistrationService(factory, standard)
    ingestion = IngestionService(factory, standard, system_clock)
    review = ReviewService(factory, write_retries=20)
    yield projects, ingestion, review
    engine.dispose()


@pytest.mark.parametrize("round_", range(3))
def test_two_officers_approving_one_project_one_wins(services: Any, round_: int) -> None:
    projects, ingestion, review = services
    projects.register(PARTNER, [pv_project()])
    ingestion.submit(PARTNER, [pv("R1", "2024-01-01", "2024-01-28")])
    review.open_project_review(PARTNER, PROJECT_ID, officer="甲")

    results = _both_at_once(
        [
            lambda: review.approve_project(PARTNER, PROJECT_ID, officer="甲", comment="ok"),
            lambda: review.reject_project(PARTNER, PROJECT_ID, officer="乙", comment="no"),
        ]
    )

    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    won = [r for r in results if not isinstance(r, FailedPrecondition)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "PROJECT_TRANSITION_NOT_ALLOWED"
    assert refused[0].details["state"] == str(won[0].state)
    status = ingestion.status(PARTNER, "R1")
    expected = (
        Decision.ACCEPTED if won[0].state is ProjectReviewState.APPROVED else Decision.REJECTED
    )
    assert status is not None and status.verdict.decision is expected


def test_two_officers_deciding_one_held_claim_one_wins(services: Any) -> None:
    projects, ingestion, review = services
    projects.register(PARTNER, [pv_project()])
    review.open_project_review(PARTNER, PROJECT_ID, officer="甲")
    review.approve_project(PARTNER, PROJECT_ID, officer="甲", comment="ok")
    (held,) = ingestion.submit(
        PARTNER, [pv("H1", "2024-01-01", "2024-01-28", activity_quantity="99999999")]
    )
    assert held.decision is Decision.HELD

    results = _both_at_once(
        [
            lambda: review.approve_claim(PARTNER, "H1", officer="甲", comment="ok"),
            lambda: review.reject_claim(PARTNER, "H1", officer="乙", comment="no"),
        ]
    )

    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    won = [r for r in results if not isinstance(r, FailedPrecondition)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "CLAIM_NOT_HELD"
    status = ingestion.status(PARTNER, "H1")
    assert status is not None and status.verdict.decision is won[0].decision
