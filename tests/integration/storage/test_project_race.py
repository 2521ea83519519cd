"""Several OS processes register the same physical assets at once: each asset is
approved once; every other registration of it waits SUBMITTED, held by
ASSET_ALREADY_REGISTERED naming a registration that exists."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import text

from hub.storage.database import create_engine_for
from tests.integration.storage import project_workers

pytestmark = pytest.mark.slow

ASSETS = 15
WORKERS = 3


def test_concurrent_registrations_of_one_asset_approve_only_one(migrated_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            futures = [
                pool.submit(
                    project_workers.register_assets, migrated_url, f"W{n}", ASSETS, n, barrier
                )
                for n in range(WORKERS)
            ]
            stats = [future.result(timeout=300) for future in futures]

    assert sum(s["held"] for s in stats) == ASSETS * (WORKERS - 1)
    engine = create_engine_for(migrated_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT project_id, review_state, asset_fingerprint FROM projects")
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == ASSETS * WORKERS
    by_asset: dict[str, list[str]] = {}
    for project_id, state, _ in rows:
        by_asset.setdefault(project_id.split("-", 1)[1], []).append(state)
    assert len(by_asset) == ASSETS
    for states in by_asset.values():
        assert sorted(states) == ["APPROVED"] + ["SUBMITTED"] * (WORKERS - 1)
    # One fingerprint per asset: the column the registering transaction looked up.
    assert len({fingerprint for _, _, fingerprint in rows}) == ASSETS
