"""Outbox cursors follow commit order: a poller reading ``cursor > after`` never skips.

A sequence would hand out cursors when they are drawn; a transaction that
drew n and commits after the one that drew n + 1 would be passed over by a
poller that already moved beyond n + 1. The hub's cursors come from one
counter row locked until commit, so they are assigned in commit order.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import Engine

from hub.domain.serial_blocks import SerialRange
from hub.services.outbox_port import OutboxKind
from hub.services.unit_of_work import ConcurrentWriteConflict
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.ledger_workers import ISSUED_AT, SERIES, block


def _blocks(factory: SqlAlchemyUnitOfWorkFactory, *ids: str) -> None:
    with factory() as uow:
        uow.blocks.add(
            [
                block(SerialRange(SERIES, 10 * n + 1, 10 * n + 10), block_id=block_id)
                for n, block_id in enumerate(ids)
            ]
        )
        uow.commit()


def _read(factory: SqlAlchemyUnitOfWorkFactory, after: int) -> list[tuple[int, str]]:
    with factory() as uow:
        return [(e.cursor, e.block.block_id) for e in uow.outbox.read(after, 1000)]


def test_cursors_are_dense_and_a_block_qualifies_once(engine: Engine) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    _blocks(factory, "b1", "b2")
    with factory() as uow:
        assert uow.outbox.last_cursor() == 0
        uow.outbox.append(
            [(OutboxKind.QUALIFIED, "b1", ""), (OutboxKind.QUALIFIED, "b2", "")], ISSUED_AT
        )
        uow.commit()
    with factory() as uow:
        uow.outbox.append([(OutboxKind.FROZEN, "b1", "discrepancy D-1")], ISSUED_AT)
        uow.outbox.append([(OutboxKind.UNFROZEN, "b1", "resolved")], ISSUED_AT)
        uow.commit()
    with pytest.raises(ConcurrentWriteConflict), factory() as uow:
        uow.outbox.append([(OutboxKind.QUALIFIED, "b2", "again")], ISSUED_AT)
    with factory() as uow:
        entries = uow.outbox.read(0, 10)
        assert [(e.cursor, e.kind, e.block.block_id) for e in entries] == [
            (1, OutboxKind.QUALIFIED, "b1"),
            (2, OutboxKind.QUALIFIED, "b2"),
            (3, OutboxKind.FROZEN, "b1"),
            (4, OutboxKind.UNFROZEN, "b1"),
        ]
        assert uow.outbox.last_cursor() == 4
        assert [e.cursor for e in uow.outbox.read(2, 1)] == [3]


def test_concurrent_appenders_and_a_poller_never_skip(migrated_url: str) -> None:
    """Writers hold their transaction open a random while after appending;
    the poller must still see every cursor, once, in order."""
    writers, rounds = 4, 12
    engine = create_engine_for(migrated_url, pool_size=writers + 2)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    _blocks(factory, "b")
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def write(seed: int) -> None:
        chooser = random.Random(seed)
        try:
            for _ in range(rounds):
                with factory() as uow:
                    count = chooser.randint(1, 3)
                    uow.outbox.append([(OutboxKind.FROZEN, "b", f"w{seed}")] * count, ISSUED_AT)
                    time.sleep(chooser.uniform(0, 0.01))
                    uow.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def poll() -> None:
        after = 0
        try:
            while True:
                finished = done.is_set()
                for cursor, _ in _read(factory, after):
                    seen.append(cursor)
                    after = cursor
                if finished:
                    return
                time.sleep(0.001)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    poller = threading.Thread(target=poll)
    try:
        poller.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        done.set()
        poller.join(timeout=120)
        assert not errors, errors
        with factory() as uow:
            total = uow.outbox.last_cursor()
        assert total >= writers * rounds
        assert seen == list(range(1, total + 1))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_cursors_follow_commit_order_not_start_order(
    postgres_schema_url: str,
) -> None:
    from hub.storage.database import migrate

    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        _blocks(factory, "early", "late")
        early = factory()
        late = factory()
        with early, late:
            early.outbox.last_cursor()  # the earlier transaction is under way first
            late.outbox.append([(OutboxKind.QUALIFIED, "late", "")], ISSUED_AT)
            appended = threading.Event()

            def append_early() -> None:
                early.outbox.append([(OutboxKind.QUALIFIED, "early", "")], ISSUED_AT)
                appended.set()

            thread = threading.Thread(target=append_early)
            thread.start()
            # The earlier transaction queues on the counter row behind the later one.
            assert not appended.wait(0.5)
            assert _read(factory, 0) == []
            late.commit()
            thread.join(timeout=30)
            assert appended.is_set()
            # The poller saw only the committed event so far, and moves past it.
            assert _read(factory, 0) == [(1, "late")]
            early.commit()
        assert _read(factory, 1) == [(2, "early")]
    finally:
        engine.dispose()
