"""Two hub processes adding the same new shared texts (a trace's shared part,
a check list, a submission context) never deadlock on PostgreSQL: each
inserts the texts it lacks in one global order (by digest), as the claim
locks are inserted in one order. Given in
opposite orders, and released together by a third transaction that held
one of them, both batches finish; inserted in the order given, PostgreSQL
found a deadlock in about half the attempts and rolled one batch back after
its deadlock_timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection

import pytest
from sqlalchemy import Connection, Engine, text

from hub.storage.claim_traces import check_list_ids, context_ids, trace_ids
from hub.storage.database import create_engine_for, migrate

ATTEMPTS = 12
Ids = Callable[[Connection, Collection[str]], dict[str, int]]


def _texts(attempt: int) -> tuple[str, str]:
    return f'{{"shared":"first {attempt}"}}', f'{{"shared":"second {attempt}"}}'


def _add(engine: Engine, ids: Ids, texts: list[str], failures: list[BaseException]) -> None:
    try:
        with engine.begin() as connection:
            ids(connection, texts)
    except BaseException as failed:  # the test reports what any thread met
        failures.append(failed)


@pytest.mark.parametrize("ids", [trace_ids, check_list_ids, context_ids])
def test_two_batches_adding_the_same_new_texts_in_opposite_orders_both_finish(
    postgres_schema_url: str, ids: Ids
) -> None:
    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    try:
        for attempt in range(ATTEMPTS):
            one, two = _texts(attempt)
            failures: list[BaseException] = []
            with engine.connect() as holder:
                holding = holder.begin()
                # A third batch holds ``two`` uncommitted: both others queue on it.
                ids(holder, [two])
                forward = threading.Thread(target=_add, args=(engine, ids, [one, two], failures))
                backward = threading.Thread(target=_add, args=(engine, ids, [two, one], failures))
                forward.start()
                backward.start()
                # Both blocked (one on ``two``, the other on ``two`` or ``one``).
                for _ in range(100):
                    with engine.connect() as probe:
                        waiting = probe.execute(
                            text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        ).scalar_one()
                    if waiting >= 2:
                        break
                    threading.Event().wait(0.05)
                holding.rollback()
            forward.join(timeout=30)
            backward.join(timeout=30)
            assert not forward.is_alive() and not backward.is_alive()
            assert failures == [], failures
            with engine.connect() as connection:
                stored = ids(connection, [one, two])
            assert set(stored) == {one, two}
    finally:
        engine.dispose()
