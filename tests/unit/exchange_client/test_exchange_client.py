"""The exchange client against a fake ExchangeService: apply by block id, resume from
the cursor, acknowledge in batches, retire by policy with replays, reconcile."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import grpc
import pytest

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from hub.exchange_client.block_events import apply_event
from hub.exchange_client.client import ExchangeClient
from hub.exchange_client.connection import Backoff, ExchangeUnavailable
from hub.exchange_client.reconciliation import holdings_of, totals_of
from hub.exchange_client.state import (
    BlockStatus,
    ExchangeState,
    RetirementStatus,
    load_state,
    save_state,
)
from tests.unit.exchange_client.fake_exchange_service import FakeExchangeService, make_block

FAST = Backoff(initial=0.01, maximum=0.05)


def _client(channel: grpc.Channel, tmp_path: Path, **kwargs: object) -> ExchangeClient:
    return ExchangeClient(channel, tmp_path / "exchange.json", backoff=FAST, **kwargs)  # type: ignore[arg-type]


def test_apply_by_block_id_has_no_second_effect() -> None:
    state = ExchangeState()
    block = make_block(1)
    qualified = ex.BlockEvent(cursor=1, kind=ex.BLOCK_EVENT_KIND_QUALIFIED, block=block)
    assert apply_event(state, qualified) == "held"
    assert apply_event(state, qualified) == "repeat"
    assert list(state.blocks) == ["B0001"]
    frozen = ex.BlockEvent(cursor=2, kind=ex.BLOCK_EVENT_KIND_FROZEN, block=block)
    assert apply_event(state, frozen) == "frozen"
    assert apply_event(state, frozen) == "repeat"
    assert state.blocks["B0001"].frozen
    unfrozen = ex.BlockEvent(cursor=3, kind=ex.BLOCK_EVENT_KIND_UNFROZEN, block=block)
    assert apply_event(state, unfrozen) == "unfrozen"
    cancelled = ex.BlockEvent(cursor=4, kind=ex.BLOCK_EVENT_KIND_CANCELLED, block=block)
    assert apply_event(state, cancelled) == "cancelled"
    assert apply_event(state, cancelled) == "repeat"
    # A late QUALIFIED never brings a cancelled block back.
    assert apply_event(state, qualified) == "repeat"
    assert state.blocks["B0001"].status is BlockStatus.CANCELLED


def test_sync_holds_acknowledges_and_stores_the_cursor(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 8)))
    client = _client(channel, tmp_path, ack_batch=3)
    summary = client.sync()
    assert (summary.events, summary.received, summary.acknowledged) == (7, 7, 7)
    assert summary.cursor == 7
    # Batched: at most 3 ids per call, every block acknowledged exactly once.
    assert all(len(call) <= 3 for call in service.acknowledge_calls)
    acked = [b for call in service.acknowledge_calls for b in call]
    assert sorted(acked) == sorted(service.blocks)
    stored = load_state(tmp_path / "exchange.json")
    assert stored.cursor == 7
    assert all(b.acknowledged and b.status is BlockStatus.HELD for b in stored.blocks.values())
    # Caught up: a second sync applies nothing and acknowledges nothing.
    again = _client(channel, tmp_path).sync()
    assert (again.events, again.acknowledged) == (0, 0)


def test_random_disconnects_end_with_every_block_once(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 41)))
    service.emit(ex.BLOCK_EVENT_KIND_CANCELLED, make_block(5))
    service.emit(ex.BLOCK_EVENT_KIND_FROZEN, make_block(6))
    rng = random.Random(20241107)
    rounds = 0
    while True:
        rounds += 1
        # A fresh client each time: everything it knows comes from the state file.
        summary = _client(channel, tmp_path, ack_batch=4).sync(max_events=rng.randint(1, 6))
        if summary.events == 0:
            break
    state = load_state(tmp_path / "exchange.json")
    assert rounds > 8
    assert state.cursor == len(service.events)
    assert sorted(state.blocks) == sorted(service.blocks)
    assert state.blocks["B0005"].status is BlockStatus.CANCELLED
    assert state.blocks["B0006"].frozen
    assert all(b.acknowledged for b in state.blocks.values() if b.status is BlockStatus.HELD)


def test_unavailable_mid_stream_reconnects_from_the_cursor(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 11)))
    service.drop_after, service.drops = 3, 2
    summary = _client(channel, tmp_path).sync()
    assert summary.reconnects == 2
    assert summary.events == 10
    assert summary.repeats == 0
    assert service.streams == 3
    assert load_state(tmp_path / "exchange.json").cursor == 10


def test_an_unreachable_hub_gives_up_after_the_reconnect_budget(tmp_path: Path) -> None:
    with grpc.insecure_channel("127.0.0.1:1") as dead:
        client = ExchangeClient(dead, tmp_path / "x.json", backoff=FAST, max_reconnects=2)
        with pytest.raises(ExchangeUnavailable):
            client.sync()


def test_follow_receives_new_blocks_until_stopped(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(make_block(1))
    client = _client(channel, tmp_path, idle_seconds=0.05)
    result: list[object] = []
    follower = threading.Thread(target=lambda: result.append(client.sync(follow=True)))
    follower.start()
    time.sleep(0.3)
    service.qualify(make_block(2), make_block(3))

    def caught_up() -> bool:
        blocks = list(client.state.blocks.values())
        return len(blocks) == 3 and all(b.acknowledged for b in blocks)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not caught_up():
        time.sleep(0.05)
    client.stop()
    follower.join(timeout=5)
    assert not follower.is_alive()
    assert sorted(client.state.blocks) == ["B0001", "B0002", "B0003"]
    # Idle acknowledgements: nothing waits for a batch to fill up.
    assert all(b.acknowledged for b in client.state.blocks.values())
    assert client.state.cursor == 3


def test_retire_by_policy_splits_and_holds_the_remainder(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 6)))
    client = _client(channel, tmp_path)
    client.sync()
    outcomes = client.retire_by_policy()
    assert [(o.block_id, o.purpose, o.units) for o in outcomes] == sorted(
        [
            ("B0003", "CARBON_NEUTRAL_EVENT", 10),
            ("B0004", "ETS_OFFSET", 5),
            ("B0005", "VOLUNTARY", 10),
        ],
        key=lambda t: next(o.retirement_id for o in outcomes if o.block_id == t[0]),
    )
    state = client.state
    assert state.blocks["B0003"].status is BlockStatus.RETIRED
    assert state.blocks["B0004"].status is BlockStatus.SPLIT
    assert state.blocks["B0004-r"].status is BlockStatus.RETIRED
    remainder = state.blocks["B0004-k"]
    assert (remainder.status, remainder.units, remainder.acknowledged) == (
        BlockStatus.HELD,
        5,
        True,
    )
    # Decided once: a second run retires nothing more (the remainder included).
    assert client.retire_by_policy() == []
    assert len(service.retirements) == 3


def test_a_retirement_left_pending_by_a_crash_is_replayed(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 4)))
    first = _client(channel, tmp_path)
    first.sync()
    first.retire_by_policy()
    # The crash: the hub applied the retirement, the state file lost the answer.
    state = load_state(tmp_path / "exchange.json")
    (record,) = state.retirements.values()
    record.status = RetirementStatus.PENDING
    record.retired_block_id = ""
    state.blocks["B0003"].status = BlockStatus.HELD
    save_state(state, tmp_path / "exchange.json")
    (outcome,) = _client(channel, tmp_path).retire_by_policy()
    assert outcome.replay
    assert outcome.retired_block_id == "B0003"
    assert load_state(tmp_path / "exchange.json").blocks["B0003"].status is BlockStatus.RETIRED
    assert len(service.retirements) == 1


def test_a_refused_retirement_is_recorded_and_not_retried(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 4)))
    client = _client(channel, tmp_path)
    client.sync()
    service.blocks["B0003"].frozen = True  # the hub froze it; the event is not out yet
    (outcome,) = client.retire_by_policy()
    assert outcome.refusal.startswith("FAILED_PRECONDITION")
    assert client.state.retirements[outcome.retirement_id].status is RetirementStatus.REFUSED
    assert client.retire_by_policy() == []


def test_reconciliation_states_holdings_and_totals(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i, vintage=2023 + i % 2) for i in range(1, 6)))
    client = _client(channel, tmp_path)
    client.sync()
    service.emit(ex.BLOCK_EVENT_KIND_CANCELLED, make_block(1, vintage=2024))
    # Qualified and cancelled before the exchange acknowledged it: never the exchange's.
    service.qualify(make_block(6))
    service.emit(ex.BLOCK_EVENT_KIND_CANCELLED, make_block(6))
    client.sync()
    retired = {o.block_id: o for o in client.retire_by_policy()}
    assert client.answer_reconciliations() == []  # none requested, none started
    service.requested.append("REC-7")
    (outcome,) = client.answer_reconciliations()
    assert (outcome.reconciliation_id, outcome.status) == ("REC-7", "CONSISTENT")
    (submitted,) = service.submissions
    assert submitted.reconciliation_id == "REC-7"
    holdings = {h.subject_id: h for h in submitted.holdings}
    whole = next(o for o in retired.values() if o.purpose == "CARBON_NEUTRAL_EVENT")
    split = next(o for o in retired.values() if o.purpose == "ETS_OFFSET")
    assert split.block_id not in holdings  # split: its units live in its two children
    assert holdings["B0001"].state == "CANCELLED"
    assert client.state.blocks["B0006"].status is BlockStatus.CANCELLED
    assert "B0006" not in holdings
    assert holdings["B0002"].state == "DELIVERED"
    assert holdings[whole.block_id].state == "RETIRED"
    assert list(holdings[whole.block_id].trail) == [f"RETIRED:{whole.retirement_id}"]
    assert list(holdings[split.retired_block_id].trail) == [f"RETIRED:{split.retirement_id}"]
    assert (
        holdings[split.remainder_block_id].state,
        holdings[split.remainder_block_id].quantity,
    ) == ("DELIVERED", "5")
    assert holdings["B0002"].serial == service.blocks["B0002"].serial
    totals = {(t.state, t.vintage): (t.count, t.quantity) for t in submitted.totals}
    assert totals == {
        (t.state, t.vintage): (t.count, t.quantity) for t in totals_of(holdings_of(client.state))
    }
    assert sum(t.count for t in submitted.totals) == len(submitted.holdings)
    assert sum(int(t.quantity) for t in submitted.totals) == 50
    # Started unsolicited when asked to.
    (started,) = client.answer_reconciliations(start_if_none=True)
    assert service.submissions[-1].reconciliation_id == ""
    assert started.reconciliation_id == "REC-2"


def test_an_unexpected_error_while_reading_the_stream_is_raised_not_waited_on(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    # The stream is read on a helper thread: any failure there must reach the
    # caller, or the main thread would wait forever for events that never come.
    class Broken(grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
        def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
            raise RuntimeError("broken interceptor")

    service.qualify(make_block(1))
    client = _client(grpc.intercept_channel(channel, Broken()), tmp_path)
    outcome: list[BaseException] = []

    def sync() -> None:
        try:
            client.sync()
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=sync, daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert [type(e) for e in outcome] == [RuntimeError]
