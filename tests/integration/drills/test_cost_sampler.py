"""The cost sampler against the real PostgreSQL: a row held FOR UPDATE is a lock wait."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from carbonhub_tools.drills.cost import CostMeter


@pytest.mark.postgres
def test_a_backend_blocked_on_a_held_row_is_counted_waiting_on_its_table(
    postgres_schema_url: str,
) -> None:
    application = f"cost_test_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_schema_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url.update_query_dict({"application_name": application}))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE shared_head (id int PRIMARY KEY, n int)"))
        connection.execute(text("INSERT INTO shared_head VALUES (1, 0)"))
    meter = CostMeter(postgres_schema_url, [], application_name=application, interval=0.02)
    blocked_for: list[float] = []
    holder = engine.connect()
    try:
        holder.begin()
        holder.execute(text("SELECT n FROM shared_head WHERE id = 1 FOR UPDATE"))
        meter.start()

        def wait_for_row() -> None:
            started = time.monotonic()
            with engine.begin() as waiter:
                waiter.execute(text("SELECT n FROM shared_head WHERE id = 1 FOR UPDATE"))
            blocked_for.append(time.monotonic() - started)

        thread = threading.Thread(target=wait_for_row)
        thread.start()
        time.sleep(1.0)
        holder.commit()
        thread.join(timeout=10)
        cost = meter.stop(claims=1)
    finally:
        holder.close()
        engine.dispose()
    assert blocked_for and blocked_for[0] >= 0.9
    waits = cost.waits
    # The waiter was the only backend executing a statement for about a
    # second: nearly every active sample is a lock wait, on that table.
    assert waits.lock_waits >= 20
    assert waits.share is not None and waits.share > 0.8
    assert set(waits.by_target) == {"shared_head"}
    assert cost.backends_seen == 2  # the holder and the waiter, not the sampler
    assert cost.postgres_cpu_seconds >= cost.backend_cpu_seconds >= 0.0


@pytest.mark.postgres
def test_hub_cpu_is_the_given_processes_cpu_over_the_run(postgres_schema_url: str) -> None:
    meter = CostMeter(postgres_schema_url, [os.getpid()], application_name="none-such")
    meter.start()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:  # burn CPU in this "hub"
        pass
    cost = meter.stop(claims=1000)
    assert cost.hub_cpu_seconds >= 0.25
    assert cost.backends_seen == 0 and cost.waits.active == 0 and cost.waits.share is None
