"""Claim locks are inserted in one global order, whatever the batch order.

Two concurrent batches colliding on several keys then meet at the first
shared key instead of each holding one the other waits for: on PostgreSQL
the loser fails at once with the exclusion violation and is decided again,
where arrival order deadlocked and cost deadlock_timeout per collision
(seen by `carbon-hub drill race`: 13 deadlocks and 16.8 s for 4,000
contended claims in eight threads, none and 5.8 s in lock order).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from hub.domain.locks import LockKind
from hub.storage.lock_key_column import lock_key_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import lock, record


def test_locks_of_a_batch_are_stored_in_kind_key_lo_order(engine: Engine) -> None:
    batch = [
        record("R1", [lock("site-z", 50, 60), lock("site-a", 5, 6)]),
        record("R2", [lock("person-m", 1, 2, LockKind.PERSON_PERIOD), lock("site-a", 1, 2)]),
        record("R3", [lock("site-m", 7, 9)]),
    ]
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        uow.claims.add(batch)
        uow.commit()
    with engine.connect() as connection:
        stored = [
            (row.kind, lock_key_text(row.key), row.lo)
            for row in connection.execute(text("SELECT kind, key, lo FROM claim_locks ORDER BY id"))
        ]
    assert len(stored) == 5
    assert stored == sorted(stored)
    assert stored[0] == (str(LockKind.PERSON_PERIOD), "person-m", 1)
