"""What the database itself guarantees about Shenzhen CER blocks and their counters.

Plain SQL, no repository: two live blocks of one series never share a unit,
a block's units never change and a SPLIT block never comes back. Then the
same through the repositories from several OS processes at once.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from hub.domain.blocks import BlockState
from hub.domain.serial_blocks import SerialRange
from hub.services.unit_of_work import ConcurrentWriteConflict
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage import ledger_workers
from tests.integration.storage.ledger_workers import SERIES, block

SERIES_KEY = SERIES.key


def _insert_block(
    connection: Connection,
    block_id: str,
    first: int,
    last: int,
    *,
    series: str = SERIES_KEY,
    state: str = "ISSUED",
) -> None:
    connection.execute(
        text(
            "INSERT INTO blocks (block_id, serial, series, origin, methodology, vintage, project,"
            " first_unit, last_unit, partner, account, state, adjustment_ref, adjustment_status,"
            " issued_at, frozen, updated_at)"
            " VALUES (:id, :serial, :series, 'CN-GD', 'SZ-PV', 2024, 'P-1', :first, :last,"
            " 'CN-GD', 'project:P-1', :state, NULL, 'NOT_REQUIRED', CURRENT_TIMESTAMP, false,"
            " CURRENT_TIMESTAMP)"
        ),
        {
            "id": block_id,
            "serial": f"{series}-{first:06d}-{last:06d}",
            "series": series,
            "first": first,
            "last": last,
            "state": state,
        },
    )


def _live_overlaps(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    """
                    SELECT count(*) FROM blocks AS a
                    JOIN blocks AS b
                      ON a.series = b.series AND a.block_id < b.block_id
                     AND a.first_unit <= b.last_unit AND b.first_unit <= a.last_unit
                    WHERE a.state <> 'SPLIT' AND b.state <> 'SPLIT'
                    """
                )
            ).scalar_one()
        )


@pytest.mark.parametrize(
    ("first", "last"),
    [(150, 160), (100, 100), (199, 199), (1, 100), (199, 500), (1, 1000)],
    ids=["inside", "first", "last", "touch-start", "touch-end", "around"],
)
def test_plain_sql_cannot_insert_an_overlapping_live_block(
    engine: Engine, first: int, last: int
) -> None:
    with engine.begin() as connection:
        _insert_block(connection, "b1", 100, 199)
        _insert_block(connection, "b2", 10_000, 10_999)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_block(connection, "b3", first, last)
    # Every state but SPLIT is live: a retired or cancelled block keeps its units.
    for state in ("DELIVERED", "RETIRED", "CANCELLED"):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _insert_block(connection, f"b-{state}", first, last, state=state)


def test_plain_sql_may_insert_adjacent_blocks_other_series_and_split_parents(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        _insert_block(connection, "b1", 100, 199)
        _insert_block(connection, "b2", 200, 299)
        _insert_block(connection, "b3", 1, 99)
        _insert_block(connection, "b4", 100, 199, series=SERIES_KEY + "X")
        # A superseded block may lie under live ones (its units live in its children).
        _insert_block(connection, "b5", 1, 299, state="SPLIT")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM blocks")).scalar_one() == 5


def test_an_overlapping_block_is_allowed_once_the_other_is_split(engine: Engine) -> None:
    with engine.begin() as connection:
        _insert_block(connection, "parent", 1, 10)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_block(connection, "head", 1, 4)
    with engine.begin() as connection:
        connection.execute(text("UPDATE blocks SET state = 'SPLIT' WHERE block_id = 'parent'"))
        _insert_block(connection, "head", 1, 4)
        _insert_block(connection, "tail", 5, 10)
    assert _live_overlaps(engine) == 0


@pytest.mark.parametrize(
    "assignment",
    ["first_unit = 500", "last_unit = 600", "first_unit = 101, last_unit = 151", "series = 'S2'"],
    ids=["first", "last", "both", "series"],
)
def test_plain_sql_cannot_change_a_blocks_range(engine: Engine, assignment: str) -> None:
    with engine.begin() as connection:
        _insert_block(connection, "b1", 100, 199)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(f"UPDATE blocks SET {assignment} WHERE block_id = 'b1'"))
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT series, first_unit, last_unit FROM blocks WHERE block_id = 'b1'")
        ).one()
    assert tuple(row) == (SERIES_KEY, 100, 199)


def test_a_split_block_never_becomes_live_again(engine: Engine) -> None:
    with engine.begin() as connection:
        _insert_block(connection, "parent", 1, 10, state="SPLIT")
        _insert_block(connection, "head", 1, 4)
        _insert_block(connection, "tail", 5, 10)
    for state in ("ISSUED", "DELIVERED", "RETIRED"):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text("UPDATE blocks SET state = :s WHERE block_id = 'parent'"), {"s": state}
            )
    # Even with no child in the way (after a hypothetical removal of both).
    with engine.begin() as connection:
        _insert_block(connection, "lonely", 50, 60, state="SPLIT")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE blocks SET state = 'ISSUED' WHERE block_id = 'lonely'"))
    # Other columns of a block still change (state moves, freezing, delivery).
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE blocks SET state = 'DELIVERED', frozen = true WHERE block_id = 'head'")
        )


def test_plain_sql_cannot_reverse_a_range_or_repeat_a_serial(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_block(connection, "b1", 10, 9)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_block(connection, "b0", 0, 9)
    with engine.begin() as connection:
        _insert_block(connection, "b1", 1, 9, state="SPLIT")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_block(connection, "b2", 1, 9, state="SPLIT")  # same serial


def test_the_repository_reports_an_overlap_as_a_conflict(engine: Engine) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    with factory() as uow:
        uow.blocks.add([block(SerialRange(SERIES, 1, 10), block_id="b1")])
        uow.commit()
    with pytest.raises(ConcurrentWriteConflict), factory() as uow:
        uow.blocks.add([block(SerialRange(SERIES, 10, 12), block_id="b2")])
    # Two blocks of one batch overlapping each other are refused as well.
    with pytest.raises(ConcurrentWriteConflict), factory() as uow:
        uow.blocks.add(
            [
                block(SerialRange(SERIES, 11, 15), block_id="b3"),
                block(SerialRange(SERIES, 15, 19), block_id="b4"),
            ]
        )
    with factory() as uow:
        assert set(uow.blocks.get_many(["b1", "b2", "b3", "b4"])) == {"b1"}
        parent = uow.blocks.get_many(["b1"])["b1"]
        head_range, tail_range = parent.range.split(4)
        uow.blocks.split(
            parent,
            block(head_range, block_id="b1-h"),
            block(tail_range, block_id="b1-t"),
            parent.issued_at,
        )
        uow.commit()
    with factory() as uow:
        stored = uow.blocks.get_many(["b1", "b1-h", "b1-t"])
        assert stored["b1"].state is BlockState.SPLIT
        assert stored["b1-h"].range.last == 4 and stored["b1-t"].range.first == 5


@pytest.mark.slow
def test_concurrent_processes_reserve_and_issue_without_overlap_or_loss(
    migrated_url: str,
) -> None:
    workers, rounds = 3, 40
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [
                pool.submit(
                    ledger_workers.reserve_and_issue, migrated_url, f"W{n}", rounds, barrier
                )
                for n in range(workers)
            ]
            stats = [future.result(timeout=300) for future in futures]
    issued_units = sum(s["units"] for s in stats)
    assert sum(s["blocks"] for s in stats) == workers * rounds
    engine = create_engine_for(migrated_url)
    try:
        assert _live_overlaps(engine) == 0
        with engine.connect() as connection:
            ranges = connection.execute(
                text("SELECT first_unit, last_unit FROM blocks ORDER BY first_unit")
            ).all()
            next_unit = connection.execute(
                text("SELECT next_unit FROM serial_series WHERE series = :s"), {"s": SERIES_KEY}
            ).scalar_one()
        # No unit lost: the committed blocks tile 1..N exactly and the counter
        # stands right after them (a rolled-back reservation reserved nothing).
        assert ranges[0][0] == 1
        assert all(ranges[i][1] + 1 == ranges[i + 1][0] for i in range(len(ranges) - 1))
        assert ranges[-1][1] == issued_units
        assert next_unit == issued_units + 1
    finally:
        engine.dispose()
