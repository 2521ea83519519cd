"""Claim locks are inserted in one global order, whatever the batch order.

Two concurrent batches colliding on several keys then meet at the first
shared key instead of each holding one the other waits for: on PostgreSQL
the loser fails at once with the exclusion violation and is decided again,
where arrival order deadlocked and cost deadlock_timeout per collision
(seen by `carbon-hub drill race`: 13 deadlocks and 16.8 s for 4,000
contended claims in eight threads, none and 5.8 s in lock order).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from hub.domain.locks import LockKind
from hub.storage.lock_key_column import lock_key_text
from hub.storage.lock_kind_column import lock_kind_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import lock, record


def test_locks_of_a_batch_are_inserted_in_kind_key_lo_order(engine: Engine) -> None:
    batch = [
        record("R1", [lock("site-z", 50, 60), lock("site-a", 5, 6)]),
        record("R2", [lock("person-m", 1, 2, LockKind.PERSON_PERIOD), lock("site-a", 1, 2)]),
        record("R3", [lock("site-m", 7, 9)]),
    ]
    # The rows as they reach the database, in the order given to the driver
    # (since 0033 the table is its key's B-tree: a read gives key order
    # whatever the order of the inserts).
    inserted: list[tuple[str, str, int]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO claim_locks"):
            rows = parameters if isinstance(parameters, list) else [parameters]
            columns = statement[statement.index("(") + 1 : statement.index(")")].split(", ")
            at = {name.strip('"'): index for index, name in enumerate(columns)}
            inserted.extend(
                (lock_kind_text(row[at["kind"]]), lock_key_text(row[at["key"]]), row[at["lo"]])
                for row in rows
            )

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            uow.claims.add(batch)
            uow.commit()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(inserted) == 5
    assert inserted == sorted(inserted)
    assert inserted[0] == (str(LockKind.PERSON_PERIOD), "person-m", 1)
