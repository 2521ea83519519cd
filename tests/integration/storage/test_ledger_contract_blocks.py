"""The storage contract of Shenzhen CER blocks and the exchange outbox.

Run on the in-memory fake, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Block, BlockState
from hub.domain.serial_blocks import Series
from hub.services.block_port import BlockFilter
from hub.services.outbox_port import OutboxEntry, OutboxKind
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory
from tests.integration.storage.ledger_records import (
    AT,
    OTHER_SERIES,
    block,
    children,
    in_one,
    later,
    one_wins,
    race,
)

HK_SERIES = Series("CN-HK", "SZ-PV", 2024, "HK-0001")


def _add(factory: UnitOfWorkFactory, *blocks: Block) -> None:
    in_one(factory, lambda uow: uow.blocks.add(list(blocks)))


def _get(factory: UnitOfWorkFactory, block_id: str) -> Block | None:
    with factory() as uow:
        return uow.blocks.get_many([block_id]).get(block_id)


# --- add, get_many, by_serial ---------------------------------------------------


def test_blocks_read_back_equal(uow_factory: UnitOfWorkFactory) -> None:
    plain = block("B-1", 1, 10)
    full = block(
        "B-2",
        11,
        25,
        state=BlockState.DELIVERED,
        partner="CN-GD",
        account="site:S-七",
        reference="ITMO-2024-001",
        adjustment=AdjustmentStatus.COMMITTED,
        parent_block_id="B-0",
        issuance_id="I-1",
        delivered_at=later(30),
        frozen=True,
        issued_at=later(1),
    )
    hk = block("B-3", 1, 1, series=HK_SERIES, partner="CN-HK", account="person:PSN-1")
    _add(uow_factory, plain, full, hk)
    with uow_factory() as uow:
        assert uow.blocks.get_many(["B-1", "B-2", "B-3", "B-missing"]) == {
            "B-1": plain,
            "B-2": full,
            "B-3": hk,
        }
        assert uow.blocks.by_serial(full.serial) == full
        assert uow.blocks.by_serial(hk.serial) == hk
        assert uow.blocks.by_serial(block("X", 1, 11).serial) is None
        assert uow.blocks.get_many([]) == {}


def test_overlapping_live_blocks_of_one_series_are_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _add(uow_factory, block("B-1", 1, 10), block("B-C", 21, 30, state=BlockState.CANCELLED))
    with uow_factory() as uow:
        uow.blocks.add([block("B-2", 11, 20)])  # adjacent: fine
        with pytest.raises(ConcurrentWriteConflict):
            uow.blocks.add([block("B-3", 10, 12)])
    # The refusal rolled the whole unit of work back, B-2 included.
    assert _get(uow_factory, "B-2") is None
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.add([block("B-4", 25, 25)])  # a CANCELLED block's units still exist
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.add([block("B-5", 40, 50), block("B-6", 50, 60)])  # within one batch
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.add([block("B-1", 100, 110)])  # a block id is stored once
    _add(
        uow_factory,
        block("B-7", 11, 20),
        block("B-8", 1, 10, series=OTHER_SERIES),  # another series is another numbering
        block("B-9", 1, 10, series=HK_SERIES, partner="CN-HK"),
        # A SPLIT block is not live: the rule does not apply to it.
        block("B-S", 5, 15, state=BlockState.SPLIT),
    )
    with uow_factory() as uow:
        stored = uow.blocks.get_many(["B-2", "B-4", "B-5", "B-6", "B-7", "B-8", "B-9", "B-S"])
        assert set(stored) == {"B-7", "B-8", "B-9", "B-S"}


def test_two_units_of_work_adding_overlapping_blocks_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.blocks.add([block("B-first", 1, 10)]),
            lambda uow: uow.blocks.add([block("B-second", 5, 14)]),
        )
    )
    with uow_factory() as uow:
        assert set(uow.blocks.get_many(["B-first", "B-second"])) == {
            ("B-first", "B-second")[winner]
        }


# --- transition -----------------------------------------------------------------


def test_transition_is_conditional_and_sets_delivered_at_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _add(uow_factory, block("B-1", 1, 10), block("B-2", 11, 20, frozen=True))
    in_one(
        uow_factory,
        lambda uow: uow.blocks.transition(
            "B-1", {BlockState.ISSUED}, BlockState.DELIVERED, later(10)
        ),
    )
    delivered = _get(uow_factory, "B-1")
    assert delivered is not None
    assert (delivered.state, delivered.delivered_at) == (BlockState.DELIVERED, later(10))
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.transition("B-1", [BlockState.ISSUED], BlockState.CANCELLED, later(20))
    # A second acknowledgement keeps the first delivered_at.
    in_one(
        uow_factory,
        lambda uow: uow.blocks.transition(
            "B-1", [BlockState.ISSUED, BlockState.DELIVERED], BlockState.DELIVERED, later(30)
        ),
    )
    again = _get(uow_factory, "B-1")
    assert again is not None and again.delivered_at == later(10)
    in_one(
        uow_factory,
        lambda uow: uow.blocks.transition(
            "B-1", [BlockState.DELIVERED], BlockState.RETIRED, later(40)
        ),
    )
    retired = _get(uow_factory, "B-1")
    assert retired is not None
    assert (retired.state, retired.delivered_at) == (BlockState.RETIRED, later(10))

    # A frozen block does not move, unless the caller says it may.
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.transition("B-2", [BlockState.ISSUED], BlockState.DELIVERED, later(50))
    frozen = _get(uow_factory, "B-2")
    assert frozen is not None and frozen.state is BlockState.ISSUED
    in_one(
        uow_factory,
        lambda uow: uow.blocks.transition(
            "B-2",
            [BlockState.ISSUED],
            BlockState.CANCELLED,
            later(60),
            require_unfrozen=False,
        ),
    )
    cancelled = _get(uow_factory, "B-2")
    assert cancelled is not None
    assert (cancelled.state, cancelled.delivered_at, cancelled.frozen) == (
        BlockState.CANCELLED,
        None,
        True,
    )


def test_two_units_of_work_moving_one_block_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _add(uow_factory, block("B-1", 1, 10))
    targets = (BlockState.DELIVERED, BlockState.CANCELLED)

    def move(target: BlockState) -> Callable[[UnitOfWork], None]:
        return lambda uow: uow.blocks.transition("B-1", [BlockState.ISSUED], target, later(5))

    winner = one_wins(race(uow_factory, move(targets[0]), move(targets[1])))
    stored = _get(uow_factory, "B-1")
    assert stored is not None and stored.state is targets[winner]


# --- split ----------------------------------------------------------------------


def test_split_supersedes_the_parent_with_two_children(uow_factory: UnitOfWorkFactory) -> None:
    parent = block("B-1", 1, 10, state=BlockState.DELIVERED, delivered_at=later(1))
    _add(uow_factory, parent, block("B-2", 11, 20))
    head, tail = children(parent, 4, "B-1a", "B-1b")
    head = dataclasses.replace(head, state=BlockState.RETIRED)
    in_one(uow_factory, lambda uow: uow.blocks.split(parent, head, tail, later(2)))
    with uow_factory() as uow:
        stored = uow.blocks.get_many(["B-1", "B-1a", "B-1b"])
        assert stored["B-1"] == dataclasses.replace(parent, state=BlockState.SPLIT)
        assert stored["B-1a"] == head
        assert stored["B-1b"] == tail
        assert uow.blocks.by_serial(tail.serial) == tail
        assert uow.blocks.by_serial(parent.serial) == stored["B-1"]
        # The parent's units live in its children: they still refuse an overlap.
        with pytest.raises(ConcurrentWriteConflict):
            uow.blocks.add([block("B-3", 3, 3)])
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.split(parent, *children(parent, 5, "B-1c", "B-1d"), later(3))
    # Children split again, down to one unit.
    grand_head, grand_tail = children(tail, 1, "B-1b1", "B-1b2")
    in_one(uow_factory, lambda uow: uow.blocks.split(tail, grand_head, grand_tail, later(4)))
    with uow_factory() as uow:
        live = uow.blocks.find(BlockFilter(partner="CN-GD", states=frozenset({BlockState.SPLIT})))
        assert [b.block_id for b in live] == ["B-1", "B-1b"]


def test_split_is_conditional_on_the_parents_state_and_frost(
    uow_factory: UnitOfWorkFactory,
) -> None:
    delivered = block("B-1", 1, 10, state=BlockState.DELIVERED)
    frozen = block("B-2", 11, 20, state=BlockState.DELIVERED, frozen=True)
    _add(uow_factory, delivered, frozen)
    stale = dataclasses.replace(delivered, state=BlockState.ISSUED)
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.split(stale, *children(stale, 3, "B-1a", "B-1b"), later(1))
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.blocks.split(frozen, *children(frozen, 3, "B-2a", "B-2b"), later(1))
    with uow_factory() as uow:
        stored = uow.blocks.get_many(["B-1", "B-2", "B-1a", "B-1b", "B-2a", "B-2b"])
    assert stored == {"B-1": delivered, "B-2": frozen}


def test_two_units_of_work_splitting_one_block_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    parent = block("B-1", 1, 10, state=BlockState.DELIVERED)
    _add(uow_factory, parent)
    first = children(parent, 3, "B-first-head", "B-first-tail")
    second = children(parent, 6, "B-second-head", "B-second-tail")
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.blocks.split(parent, *first, later(1)),
            lambda uow: uow.blocks.split(parent, *second, later(1)),
        )
    )
    won, lost = (first, second) if winner == 0 else (second, first)
    with uow_factory() as uow:
        stored = uow.blocks.get_many([b.block_id for b in (*first, *second)])
        assert stored == {b.block_id: b for b in won}
        assert all(b.block_id not in stored for b in lost)
        assert uow.blocks.unit_totals("CN-GD") == {BlockState.DELIVERED: (2, 10)}


# --- adjustments, frost -------------------------------------------------------------


def test_set_adjustment_updates_the_partners_blocks_with_the_reference(
    uow_factory: UnitOfWorkFactory,
) -> None:
    pending = AdjustmentStatus.PENDING
    hk = {"partner": "CN-HK", "series": HK_SERIES, "reference": "ITMO-1", "adjustment": pending}
    issued = block("B-1", 1, 10, **hk)  # type: ignore[arg-type]
    retired = block("B-2", 11, 20, state=BlockState.RETIRED, **hk)  # type: ignore[arg-type]
    other_ref = block("B-3", 21, 30, **{**hk, "reference": "ITMO-2"})  # type: ignore[arg-type]
    other_partner = block("B-4", 1, 10, reference="ITMO-1", adjustment=pending)
    _add(uow_factory, issued, retired, other_ref, other_partner)
    with uow_factory() as uow:
        updated = uow.blocks.set_adjustment("CN-HK", "ITMO-1", AdjustmentStatus.COMMITTED)
        uow.commit()
    expected = {
        b.block_id: dataclasses.replace(
            b, adjustment=dataclasses.replace(b.adjustment, status=AdjustmentStatus.COMMITTED)
        )
        for b in (issued, retired)
    }
    assert sorted(updated, key=lambda b: b.block_id) == [expected["B-1"], expected["B-2"]]
    with uow_factory() as uow:
        assert uow.blocks.get_many(["B-1", "B-2", "B-3", "B-4"]) == {
            **expected,
            "B-3": other_ref,
            "B-4": other_partner,
        }
        assert uow.blocks.set_adjustment("CN-HK", "ITMO-9", AdjustmentStatus.COMPLETED) == []


def test_set_frozen(uow_factory: UnitOfWorkFactory) -> None:
    _add(uow_factory, block("B-1", 1, 10), block("B-2", 11, 20), block("B-3", 21, 30))
    in_one(uow_factory, lambda uow: uow.blocks.set_frozen(["B-1", "B-2"], True))
    in_one(uow_factory, lambda uow: uow.blocks.set_frozen(["B-2"], False))
    with uow_factory() as uow:
        frost = {k: b.frozen for k, b in uow.blocks.get_many(["B-1", "B-2", "B-3"]).items()}
    assert frost == {"B-1": True, "B-2": False, "B-3": False}


# --- find, unit_totals --------------------------------------------------------------


def _landscape(factory: UnitOfWorkFactory) -> None:
    parent = block("B-P", 31, 40, state=BlockState.DELIVERED, delivered_at=later(1))
    _add(
        factory,
        block("B-5", 1, 5, series=OTHER_SERIES),
        block("B-2", 11, 20, state=BlockState.DELIVERED, delivered_at=later(2)),
        block("B-1", 1, 10),
        block("B-3", 21, 30, state=BlockState.CANCELLED),
        parent,
        block("B-HK", 1, 7, series=HK_SERIES, partner="CN-HK"),
    )
    head, tail = children(parent, 2, "B-Pa", "B-Pb")
    in_one(
        factory,
        lambda uow: uow.blocks.split(
            parent, dataclasses.replace(head, state=BlockState.RETIRED), tail, later(3)
        ),
    )


def test_find_filters_and_orders_by_serial(uow_factory: UnitOfWorkFactory) -> None:
    _landscape(uow_factory)
    with uow_factory() as uow:
        everything = uow.blocks.find(BlockFilter())
        # 000031-000032 < 000031-000040 < 000033-000040; CN-GD before CN-HK.
        assert [b.block_id for b in everything] == [
            "B-1",
            "B-2",
            "B-3",
            "B-Pa",
            "B-P",
            "B-Pb",
            "B-5",
            "B-HK",
        ]
        assert [b.serial for b in everything] == sorted(b.serial for b in everything)
        gd = uow.blocks.find(BlockFilter(partner="CN-GD"))
        assert [b.block_id for b in gd] == ["B-1", "B-2", "B-3", "B-Pa", "B-P", "B-Pb", "B-5"]
        live_issued = uow.blocks.find(
            BlockFilter(partner="CN-GD", states=frozenset({BlockState.ISSUED}))
        )
        assert [b.block_id for b in live_issued] == ["B-1", "B-5"]
        delivered = uow.blocks.find(BlockFilter(delivered_only=True))
        # Every block the exchange acknowledged at some point, whatever it became.
        assert [b.block_id for b in delivered] == ["B-2", "B-Pa", "B-P", "B-Pb"]
        delivered_live = uow.blocks.find(
            BlockFilter(
                delivered_only=True, states=frozenset({BlockState.DELIVERED, BlockState.RETIRED})
            )
        )
        assert [b.block_id for b in delivered_live] == ["B-2", "B-Pa", "B-Pb"]
        assert uow.blocks.find(BlockFilter(partner="CN-MO")) == []
        assert uow.blocks.find(BlockFilter(states=frozenset())) == []


def test_unit_totals_count_live_blocks_per_state(uow_factory: UnitOfWorkFactory) -> None:
    _landscape(uow_factory)
    with uow_factory() as uow:
        gd = uow.blocks.unit_totals("CN-GD")
        hk = uow.blocks.unit_totals("CN-HK")
        mo = uow.blocks.unit_totals("CN-MO")
    # SPLIT is excluded; a state without blocks may be absent or (0, 0).
    assert gd.get(BlockState.SPLIT, (0, 0)) == (0, 0)
    assert {s: t for s, t in gd.items() if t != (0, 0)} == {
        BlockState.ISSUED: (2, 15),
        BlockState.DELIVERED: (2, 18),
        BlockState.CANCELLED: (1, 10),
        BlockState.RETIRED: (1, 2),
    }
    assert {s: t for s, t in hk.items() if t != (0, 0)} == {BlockState.ISSUED: (1, 7)}
    assert {s: t for s, t in mo.items() if t != (0, 0)} == {}


# --- outbox -----------------------------------------------------------------------


def test_outbox_reads_events_in_cursor_order_with_the_block_as_stored_now(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.outbox.last_cursor() == 0
        assert uow.outbox.read(0, 10) == []
    _add(uow_factory, block("B-1", 1, 10), block("B-2", 11, 20))
    in_one(
        uow_factory,
        lambda uow: uow.outbox.append(
            [(OutboxKind.QUALIFIED, "B-1", "issued"), (OutboxKind.QUALIFIED, "B-2", "issued")],
            later(1),
        ),
    )
    in_one(
        uow_factory,
        lambda uow: uow.outbox.append([(OutboxKind.FROZEN, "B-1", "差异 D-1 open")], later(2)),
    )
    in_one(uow_factory, lambda uow: uow.blocks.set_frozen(["B-1"], True))
    with uow_factory() as uow:
        entries = uow.outbox.read(0, 10)
        last = uow.outbox.last_cursor()
        blocks = uow.blocks.get_many(["B-1", "B-2"])
    cursors = [e.cursor for e in entries]
    assert cursors == sorted(cursors) and len(set(cursors)) == 3 and cursors[0] > 0
    assert last == cursors[-1]
    assert [(e.kind, e.block.block_id, e.reason, e.at) for e in entries] == [
        (OutboxKind.QUALIFIED, "B-1", "issued", later(1)),
        (OutboxKind.QUALIFIED, "B-2", "issued", later(1)),
        (OutboxKind.FROZEN, "B-1", "差异 D-1 open", later(2)),
    ]
    # The block as stored now (frozen after the events were appended).
    assert entries[0].block == blocks["B-1"] and entries[0].block.frozen
    assert entries[1].block == blocks["B-2"]
    with uow_factory() as uow:
        assert uow.outbox.read(cursors[0], 10) == entries[1:]
        assert uow.outbox.read(0, 2) == entries[:2]
        assert uow.outbox.read(cursors[-1], 10) == []


def test_a_block_qualifies_once(uow_factory: UnitOfWorkFactory) -> None:
    _add(uow_factory, block("B-1", 1, 10), block("B-2", 11, 20))
    in_one(
        uow_factory,
        lambda uow: uow.outbox.append([(OutboxKind.QUALIFIED, "B-1", "issued")], later(1)),
    )
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.outbox.append([(OutboxKind.QUALIFIED, "B-1", "again")], later(2))
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.outbox.append(
            [(OutboxKind.QUALIFIED, "B-2", "a"), (OutboxKind.QUALIFIED, "B-2", "b")], later(2)
        )
    # Other kinds may repeat.
    in_one(
        uow_factory,
        lambda uow: uow.outbox.append(
            [
                (OutboxKind.FROZEN, "B-1", "d1"),
                (OutboxKind.UNFROZEN, "B-1", "d1 resolved"),
                (OutboxKind.FROZEN, "B-1", "d2"),
            ],
            later(3),
        ),
    )
    with uow_factory() as uow:
        kinds = [(e.kind, e.block.block_id, e.reason) for e in uow.outbox.read(0, 100)]
    assert kinds == [
        (OutboxKind.QUALIFIED, "B-1", "issued"),
        (OutboxKind.FROZEN, "B-1", "d1"),
        (OutboxKind.UNFROZEN, "B-1", "d1 resolved"),
        (OutboxKind.FROZEN, "B-1", "d2"),
    ]


def test_two_units_of_work_qualifying_one_block_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _add(uow_factory, block("B-1", 1, 10))
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.outbox.append([(OutboxKind.QUALIFIED, "B-1", "first")], later(1)),
            lambda uow: uow.outbox.append([(OutboxKind.QUALIFIED, "B-1", "second")], later(1)),
        )
    )
    with uow_factory() as uow:
        assert [e.reason for e in uow.outbox.read(0, 10)] == [("first", "second")[winner]]


def test_uncommitted_events_are_not_read_and_leave_no_cursor(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _add(uow_factory, block("B-1", 1, 10))
    with uow_factory() as uow:
        uow.outbox.append([(OutboxKind.QUALIFIED, "B-1", "rolled back")], later(1))
    with uow_factory() as uow:
        assert uow.outbox.read(0, 10) == []
        assert uow.outbox.last_cursor() == 0
        uow.outbox.append([(OutboxKind.QUALIFIED, "B-1", "kept")], later(2))
        uow.commit()
    with uow_factory() as uow:
        assert [e.reason for e in uow.outbox.read(0, 10)] == ["kept"]


def test_a_reader_never_skips_an_event_committed_after_it_read(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Cursors increase in commit order: a transaction that appended first but
    commits last still gets a cursor above everything a reader already saw."""
    _add(uow_factory, block("B-1", 1, 10), block("B-2", 11, 20))
    seen: list[OutboxEntry] = []
    failures: list[BaseException] = []

    def in_thread(action: Callable[[], None]) -> threading.Thread:
        def run() -> None:
            try:
                action()
            except BaseException as error:
                failures.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def append_second() -> None:
        in_one(
            uow_factory,
            lambda uow: uow.outbox.append([(OutboxKind.QUALIFIED, "B-2", "second")], later(2)),
        )

    def read() -> None:
        with uow_factory() as uow:
            seen.extend(uow.outbox.read(0, 100))

    with uow_factory() as first:
        first.outbox.append([(OutboxKind.QUALIFIED, "B-1", "first")], later(1))
        second = in_thread(append_second)
        second.join(timeout=0.5)
        reader = in_thread(read)
        reader.join(timeout=0.5)
        first.commit()
    second.join(timeout=60)
    reader.join(timeout=60)
    assert not failures, failures
    position = max((e.cursor for e in seen), default=0)
    with uow_factory() as uow:
        unseen = uow.outbox.read(position, 100)
        everything = uow.outbox.read(0, 100)
    assert sorted(e.reason for e in everything) == ["first", "second"]
    assert {e.reason for e in seen} | {e.reason for e in unseen} == {"first", "second"}
    assert [e.cursor for e in everything] == sorted(e.cursor for e in everything)


def _qualify(uow: UnitOfWork, block_id: str) -> None:
    uow.outbox.append([(OutboxKind.QUALIFIED, block_id, "issued")], AT)


def test_outbox_events_of_one_batch_get_consecutive_cursors_after_the_last(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _add(uow_factory, block("B-1", 1, 10), block("B-2", 11, 20), block("B-3", 21, 30))
    in_one(uow_factory, lambda uow: _qualify(uow, "B-1"))
    with uow_factory() as uow:
        before = uow.outbox.last_cursor()
        uow.outbox.append(
            [(OutboxKind.QUALIFIED, "B-2", "issued"), (OutboxKind.QUALIFIED, "B-3", "issued")],
            AT,
        )
        uow.commit()
    with uow_factory() as uow:
        batch = uow.outbox.read(before, 10)
        assert [e.block.block_id for e in batch] == ["B-2", "B-3"]
        assert batch[0].cursor > before and batch[1].cursor > batch[0].cursor
        assert uow.outbox.last_cursor() == batch[1].cursor
