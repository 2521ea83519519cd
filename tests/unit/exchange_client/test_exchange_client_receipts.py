"""The exchange client with the hub key: only blocks whose receipt verifies are
applied, a refused stream event stops the sync before it (nothing lost, the
next run fetches it again), a refused retirement answer stays PENDING and is
replayed, and every applied block keeps its receipt in the state file."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from carbonhub_contract.receipts import ReceiptSigner, block_statement
from carbonhub_contract.signing import Signer
from hub.exchange_client.client import ExchangeClient
from hub.exchange_client.connection import Backoff
from hub.exchange_client.receipts import HubKey, ReceiptProblem, check_block
from hub.exchange_client.state import BlockStatus, RetirementStatus, load_state
from hub.exchange_client.sync_summary import ReceiptRefusal, ReceiptRefused, SyncSummary
from tests.unit.exchange_client.fake_exchange_service import FakeExchangeService, make_block

FAST = Backoff(initial=0.01, maximum=0.05)
HUB = Signer(Ed25519PrivateKey.generate())
HUB_KEY = HubKey.from_raw(HUB.public_key)
OTHER_KEY = HubKey(Ed25519PrivateKey.generate().public_key())


@pytest.fixture
def signed(service: FakeExchangeService) -> FakeExchangeService:
    service.signer = ReceiptSigner(HUB)
    return service


def _client(
    channel: grpc.Channel, tmp_path: Path, hub_key: HubKey | None = HUB_KEY, **kwargs: object
) -> ExchangeClient:
    return ExchangeClient(
        channel,
        tmp_path / "exchange.json",
        backoff=FAST,
        hub_key=hub_key,
        **kwargs,  # type: ignore[arg-type]
    )


def _tamper_units_of(block_id: str) -> Callable[[ledger.Block], None]:
    def tamper(block: ledger.Block) -> None:
        if block.block_id == block_id:
            block.units += 1

    return tamper


def test_verified_blocks_are_applied_with_their_receipts_kept(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    signed.qualify(*(make_block(i) for i in range(1, 6)))
    client = _client(channel, tmp_path)
    summary = client.sync()
    assert (summary.received, summary.refused, client.refusals) == (5, 0, [])
    retired = {o.block_id: o for o in client.retire_by_policy()}
    assert all(o.receipt_problem is None and not o.refusal for o in retired.values())
    stored = load_state(tmp_path / "exchange.json")
    assert len(stored.blocks) == 7  # five received, the retired part and remainder of a split
    for record in stored.blocks.values():
        assert record.receipt is not None
        assert record.receipt.key_id == HUB.key_id
        # What is kept is what the hub signed, and still verifies on its own.
        kept = ledger.Block()
        kept.CopyFrom(signed.blocks[record.block_id])
        kept.receipt.CopyFrom(
            ledger.Receipt(
                key_id=record.receipt.key_id,
                statement=record.receipt.statement_bytes(),
                signature=record.receipt.signature_bytes(),
            )
        )
        if record.status is BlockStatus.HELD and not record.from_retirement:
            # Held since the QUALIFIED event: its receipt is of the block as issued.
            kept.state = ledger.BLOCK_STATE_ISSUED
        if record.status is not BlockStatus.SPLIT:
            assert check_block(kept, HUB_KEY) is None, record.block_id
    whole = next(o for o in retired.values() if o.purpose == "CARBON_NEUTRAL_EVENT")
    receipt = stored.blocks[whole.block_id].receipt
    assert receipt is not None
    # A whole retirement replaces the receipt by the hub's statement of the retired block.
    assert b'"state":"BLOCK_STATE_RETIRED"' in receipt.statement_bytes()


def test_a_block_changed_after_signing_is_refused_and_nothing_after_it_applied(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    signed.qualify(*(make_block(i) for i in range(1, 6)))
    signed.tamper = _tamper_units_of("B0003")
    heard: list[ReceiptRefusal] = []
    client = _client(channel, tmp_path, on_refused=heard.append)
    summary = client.sync()
    assert (
        heard
        == client.refusals
        == [ReceiptRefusal("B0003", ReceiptProblem.DOES_NOT_MATCH_MESSAGE, "StreamBlocks cursor 3")]
    )
    assert (summary.events, summary.received, summary.refused) == (2, 2, 1)
    stored = load_state(tmp_path / "exchange.json")
    # Events apply in cursor order: the sync stopped in front of the refused one.
    assert sorted(stored.blocks) == ["B0001", "B0002"]
    assert stored.cursor == 2
    # The hub is fixed (or the forger gone): the next run fetches it again and goes on.
    signed.tamper = None
    again = _client(channel, tmp_path).sync()
    assert (again.received, again.refused) == (3, 0)
    stored = load_state(tmp_path / "exchange.json")
    assert sorted(stored.blocks) == [f"B000{i}" for i in range(1, 6)]
    assert stored.blocks["B0003"].units == 10


@pytest.mark.parametrize(
    ("hub_key", "sign", "problem"),
    [
        (OTHER_KEY, True, ReceiptProblem.KEY_UNKNOWN),
        (HUB_KEY, False, ReceiptProblem.MISSING),
    ],
    ids=["wrong-key", "unsigned"],
)
def test_a_wrong_key_or_no_receipt_applies_nothing(
    service: FakeExchangeService,
    channel: grpc.Channel,
    tmp_path: Path,
    hub_key: HubKey,
    sign: bool,
    problem: ReceiptProblem,
) -> None:
    if sign:
        service.signer = ReceiptSigner(HUB)
    service.qualify(*(make_block(i) for i in range(1, 4)))
    client = _client(channel, tmp_path, hub_key=hub_key)
    # With follow too: a refusal ends the run instead of streaming the same event forever.
    summary = client.run(follow=True)
    assert summary.refused == 1
    assert [(r.block_id, r.problem) for r in client.refusals] == [("B0001", problem)]
    assert client.state.blocks == {}
    assert client.state.cursor == 0
    assert service.acknowledge_calls == []


def test_a_signature_by_another_key_under_the_hubs_id_is_invalid(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    forger = Signer(Ed25519PrivateKey.generate())

    def forge(block: ledger.Block) -> None:
        block.units = 1000
        block.receipt.signature = forger.sign(
            "application/vnd.carbonhub.receipt+json", block_statement(block)
        )
        block.receipt.statement = block_statement(block)

    signed.qualify(make_block(1))
    signed.tamper = forge
    client = _client(channel, tmp_path)
    client.sync()
    assert [r.problem for r in client.refusals] == [ReceiptProblem.SIGNATURE_INVALID]
    assert client.state.blocks == {}


def test_following_stops_at_a_refused_block(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    signed.qualify(make_block(1))
    client = _client(channel, tmp_path, idle_seconds=0.05)
    result: list[object] = []
    follower = threading.Thread(target=lambda: result.append(client.sync(follow=True)))
    follower.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "B0001" not in client.state.blocks:
        time.sleep(0.02)
    signed.tamper = _tamper_units_of("B0002")
    signed.qualify(make_block(2), make_block(3))
    follower.join(timeout=5)
    assert not follower.is_alive(), "a refusal ends a followed sync on its own"
    assert sorted(client.state.blocks) == ["B0001"]
    assert client.state.cursor == 1
    assert [r.block_id for r in client.refusals] == ["B0002"]


def test_without_a_hub_key_receipts_are_kept_unverified(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    signed.qualify(make_block(1))
    client = _client(channel, tmp_path, hub_key=None)
    client.sync()
    receipt = load_state(tmp_path / "exchange.json").blocks["B0001"].receipt
    assert receipt is not None
    sent = ledger.Block()
    sent.CopyFrom(make_block(1))
    assert receipt.statement_bytes() == block_statement(sent)


def test_a_retirement_answer_that_fails_stays_pending_and_is_replayed(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    signed.qualify(*(make_block(i) for i in range(1, 6)))
    client = _client(channel, tmp_path)
    client.sync()

    def tamper_retired(block: ledger.Block) -> None:
        if block.state == ledger.BLOCK_STATE_RETIRED:
            block.units += 1

    signed.tamper = tamper_retired
    outcomes = client.retire_by_policy()
    assert len(outcomes) == 3
    assert {o.receipt_problem for o in outcomes} == {ReceiptProblem.DOES_NOT_MATCH_MESSAGE}
    assert len(client.refusals) == 3
    assert all(r.source.startswith("ReportRetirement ") for r in client.refusals)
    stored = load_state(tmp_path / "exchange.json")
    assert {r.status for r in stored.retirements.values()} == {RetirementStatus.PENDING}
    assert {b.status for b in stored.blocks.values()} == {BlockStatus.HELD}
    assert len(stored.blocks) == 5  # no remainder adopted from an unverified answer
    # Not reported again by this process (it would fail the same way)...
    assert client.retire_by_policy() == []
    assert len(signed.retirements) == 3
    # ...but by the next run, once the answers verify: the hub replays them.
    signed.tamper = None
    replayed = _client(channel, tmp_path).retire_by_policy()
    assert len(replayed) == 3
    assert all(o.replay and o.receipt_problem is None for o in replayed)
    stored = load_state(tmp_path / "exchange.json")
    assert {r.status for r in stored.retirements.values()} == {RetirementStatus.DONE}
    assert len(stored.blocks) == 7


def test_get_block_returns_only_a_verified_block(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    signed.qualify(make_block(1))
    client = _client(channel, tmp_path)
    assert client.get_block("B0001").serial == make_block(1).serial
    signed.tamper = _tamper_units_of("B0001")
    with pytest.raises(ReceiptRefused) as refused:
        client.get_block("B0001")
    assert refused.value.refusal == ReceiptRefusal(
        "B0001", ReceiptProblem.DOES_NOT_MATCH_MESSAGE, "GetBlock"
    )


def test_every_unary_call_and_the_stream_have_a_deadline(
    service: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    seen: dict[str, float | None] = {}

    class Recording(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
        def _record(self, continuation, details, request):  # type: ignore[no-untyped-def]
            seen[details.method.rsplit("/", 1)[1]] = details.timeout
            return continuation(details, request)

        intercept_unary_unary = _record
        intercept_unary_stream = _record

    service.qualify(*(make_block(i) for i in range(1, 6)))
    service.requested.append("REC-1")
    recorded = grpc.intercept_channel(channel, Recording())
    client = ExchangeClient(
        recorded, tmp_path / "x.json", call_timeout=7.0, stream_timeout=900.0, hub_key=None
    )
    client.sync()
    client.retire_by_policy()
    client.answer_reconciliations()
    client.get_block("B0001")
    assert seen["StreamBlocks"] == pytest.approx(900.0, abs=1)
    unary = {m: t for m, t in seen.items() if m != "StreamBlocks"}
    assert set(unary) == {
        "AcknowledgeBlocks",
        "ReportRetirement",
        "ListReconciliationRequests",
        "SubmitReconciliation",
        "GetBlock",
    }
    assert all(t == pytest.approx(7.0, abs=1) for t in unary.values()), unary


def test_events_already_applied_are_dropped_unverified(
    signed: FakeExchangeService, channel: grpc.Channel, tmp_path: Path
) -> None:
    # At or before the cursor: applied (and verified) before, sent again by
    # at-least-once delivery; dropped without a look, so never refused.
    signed.qualify(make_block(1))
    client = _client(channel, tmp_path)
    client.sync()
    unsigned = ex.BlockEvent(cursor=1, kind=ex.BLOCK_EVENT_KIND_QUALIFIED, block=make_block(1))
    summary = SyncSummary()
    assert client._apply(unsigned, summary)
    assert (summary.repeats, summary.refused, client.refusals) == (1, 0, [])
