"""Several OS processes, one database: a reduction is still counted once.

Each process opens its own engine on the same database, waits on a barrier,
then records claims for the same lock slots in batches (check conflicts,
add, commit; retry on ConcurrentWriteConflict). Afterwards exactly one
claim holds each slot and no two stored locks overlap.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import Engine, text

from hub.storage.database import create_engine_for
from tests.integration.storage import workers
from tests.integration.storage.test_database import HEAD

pytestmark = pytest.mark.slow

SLOTS = 300
BATCH = 25
WORKERS = 3


# Every stored lock: the range locks and (since 0019) the content locks, the point [0, 0].
ALL_LOCKS = """
    (SELECT kind, key, lo, hi FROM claim_locks
     UNION ALL
     SELECT 'CONTENT', key, 0, 0 FROM claim_content_locks)
"""


def _overlapping_pairs(engine: Engine) -> int:
    # Two locks of one (kind, key) overlap when the later start lies inside
    # the earlier lock (no two share a start: it is the key since 0033).
    with engine.connect() as connection:
        ranges = connection.execute(
            text(
                """
                SELECT count(*) FROM claim_locks AS a
                JOIN claim_locks AS b
                  ON a.kind = b.kind AND a.key = b.key
                 AND a.lo < b.lo AND b.lo <= a.hi
                """
            )
        ).scalar_one()
        # Two content locks overlap when their keys are equal.
        points = connection.execute(
            text("SELECT count(*) - count(DISTINCT key) FROM claim_content_locks")
        ).scalar_one()
        return int(ranges) + int(points)


def test_concurrent_processes_record_each_reduction_once(migrated_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            futures = [
                pool.submit(
                    workers.record_slots,
                    migrated_url,
                    f"W{n}",
                    # Different orders: the processes collide all over the range.
                    workers.shuffled(SLOTS, seed=n),
                    BATCH,
                    barrier,
                )
                for n in range(WORKERS)
            ]
            stats = [future.result(timeout=300) for future in futures]

    assert sum(s["accepted"] for s in stats) == SLOTS
    assert sum(s["rejected"] for s in stats) == SLOTS * (WORKERS - 1)
    engine = create_engine_for(migrated_url)
    try:
        with engine.connect() as connection:
            holders = connection.execute(
                text(
                    f"""
                    SELECT l.kind, l.key, l.lo, count(*) FROM {ALL_LOCKS} AS l
                    GROUP BY l.kind, l.key, l.lo
                    """
                )
            ).all()
            decisions: dict[str, int] = {
                decision: count
                for decision, count in connection.execute(
                    text("SELECT decision, count(*) FROM claims GROUP BY decision")
                ).all()
            }
        assert len(holders) == 2 * SLOTS
        assert all(row[3] == 1 for row in holders)
        assert decisions == {"ACCEPTED": SLOTS, "REJECTED": SLOTS * (WORKERS - 1)}
        assert _overlapping_pairs(engine) == 0
    finally:
        engine.dispose()


def test_the_database_alone_refuses_a_concurrent_overlap(migrated_url: str) -> None:
    """No Python check at all: every process inserts every slot; one insert wins each."""
    slots = 120
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            futures = [
                pool.submit(
                    workers.insert_blindly,
                    migrated_url,
                    f"W{n}",
                    workers.shuffled(slots, seed=n),
                    barrier,
                )
                for n in range(WORKERS)
            ]
            stats = [future.result(timeout=300) for future in futures]
    assert sum(s["stored"] for s in stats) == slots
    assert sum(s["refused"] for s in stats) == slots * (WORKERS - 1)
    engine = create_engine_for(migrated_url)
    try:
        assert _overlapping_pairs(engine) == 0
        with engine.connect() as connection:
            count = connection.execute(text(f"SELECT count(*) FROM {ALL_LOCKS} AS l")).scalar_one()
        assert count == 2 * slots
    finally:
        engine.dispose()


def test_concurrent_migrations_of_a_fresh_database(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(4)
        with ProcessPoolExecutor(4, mp_context=context) as pool:
            futures = [pool.submit(workers.migrate_after, database_url, barrier) for _ in range(4)]
            assert [f.result(timeout=120) for f in futures] == ["migrated"] * 4
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v[0] for v in versions] == [HEAD]
    finally:
        engine.dispose()
