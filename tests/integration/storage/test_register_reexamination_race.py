"""A register list loaded while a partner delivers claims (separate processes,
SQLite and PostgreSQL): every claim for months the list credits ends REJECTED,
whether it was recorded before the list (re-examined by the import) or
after (checked at its delivery); none slips between the two."""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage import register_workers as workers
from tests.unit.services.builders import PARTNER, PROJECT_ID, pv_project

pytestmark = pytest.mark.slow

CREDITED = "CLAIM_CREDITED_IN_EXTERNAL_REGISTER"
LISTING = (
    "entry_id,name,type,asset_id,period_start,period_end\n"
    f"GEC-2025,屋顶光伏 2025 年绿证,光伏,{PROJECT_ID},2025-01,2025-12\n"
)


@pytest.fixture
def factory(migrated_url: str) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    engine = create_engine_for(migrated_url)
    try:
        yield SqlAlchemyUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


def _race(*calls: tuple[Any, ...]) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(calls))
        with ProcessPoolExecutor(len(calls), mp_context=context) as pool:
            futures = [pool.submit(call[0], call[1], barrier, *call[2:]) for call in calls]
            return [future.result(timeout=300) for future in futures]


@pytest.mark.parametrize("round_", range(2))
def test_no_claim_slips_past_a_list_loaded_while_claims_arrive(
    migrated_url: str, factory: SqlAlchemyUnitOfWorkFactory, tmp_path: Path, round_: int
) -> None:
    standard = load_standard(default_standards_dir())
    (project,) = ProjectRegistrationService(factory, standard).register(PARTNER, [pv_project()])
    assert project.decision is Decision.ACCEPTED
    listing = tmp_path / "gec.csv"
    listing.write_text(LISTING, encoding="utf-8")

    delay = random.Random(round_).uniform(0.05, 0.4)
    delivered, (examined, rejected) = _race(
        (workers.submit_months, migrated_url, list(range(1, 13)), round_),
        (workers.load_list, migrated_url, str(listing), delay),
    )

    assert len(delivered) == 12
    at_delivery = delivered.count("REJECTED")
    with factory() as uow:
        stored = uow.claims.get_by_record_ids(PARTNER, [workers.month(m)[0] for m in range(1, 13)])
        views = [uow.claims.ledger_view(s.claim_id) for s in stored.values()]
    assert len(views) == 12
    for view in views:
        assert view is not None
        assert view.decision is Decision.REJECTED, (view.record_id, view.decision)
        assert [c.code for c in view.verdict.checks].count(CREDITED) == 1, view.record_id
    # Each claim was rejected once: at its delivery, or by the import.
    assert at_delivery + rejected == 12
    assert examined >= rejected
