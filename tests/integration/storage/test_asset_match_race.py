"""Several OS processes register the same roofs at once, each describing them its
own way (380 kW, 380.5 kWp, 0.38 MW, points hundreds of metres apart): each roof
is approved once, every other registration of it is held for the bureau."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import text

from hub.storage.database import create_engine_for
from tests.integration.storage import asset_workers

pytestmark = pytest.mark.slow

ROOFS = 10
WORKERS = 3


def test_tolerant_registrations_of_one_roof_approve_only_one(migrated_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            futures = [
                pool.submit(asset_workers.register_roofs, migrated_url, n, ROOFS, barrier)
                for n in range(WORKERS)
            ]
            stats = [future.result(timeout=300) for future in futures]

    assert sum(s["held"] for s in stats) == ROOFS * (WORKERS - 1)
    engine = create_engine_for(migrated_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT project_id, review_state FROM projects")).all()
    finally:
        engine.dispose()
    by_roof: dict[str, list[str]] = {}
    for project_id, state in rows:
        by_roof.setdefault(project_id.split("-", 1)[1], []).append(state)
    assert len(by_roof) == ROOFS
    for states in by_roof.values():
        assert sorted(states) == ["APPROVED"] + ["SUBMITTED"] * (WORKERS - 1)
