"""Bench clients against a fake PartnerService: what they send and send again.

A partner's clients share one sequence, so the hub refuses an overtaken
envelope (ENVELOPE_REPLAYED, nothing recorded) and the client must send
again exactly the envelopes the hub has not answered, in order, under new
numbers, while holding no more than its window of them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.receipts import ReceiptSigner
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_tools.bench.claims import ClaimStream
from carbonhub_tools.bench.ingest import plan_envelopes, wire_envelopes
from carbonhub_tools.bench.streaming import (
    EnvelopeFeed,
    Progress,
    SharedSequence,
    StreamingClient,
    stream_all,
)
from hub.errors import FailedPrecondition
from hub.grpc_api.status_mapping import to_status

PARTNER = "CN-GD"
WAIT = 10.0  # only a guard against a hang: every wait below is answered at once


class Replayed(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """The hub's ENVELOPE_REPLAYED refusal as a gRPC call error carries it."""

    def __init__(self) -> None:
        self._status = to_status(
            FailedPrecondition("ENVELOPE_REPLAYED", "sequence not above the last accepted")
        )

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return str(self._status.details)

    def trailing_metadata(self) -> object:
        return self._status.trailing_metadata

    def initial_metadata(self) -> object:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: object) -> bool:
        return False


class FakeHub:
    """Reads requests on its own thread (as gRPC does) and answers in order,
    one verdict per claim under a signed receipt. The envelope whose first
    record is ``refuse`` is refused once, after the client has sent the one
    behind it, as happens when a client keeps two envelopes in flight."""

    def __init__(self, receipts: ReceiptSigner, refuse: str | None = None) -> None:
        self._receipts = receipts
        self._refuse = refuse
        self.received: list[tuple[int, list[str]]] = []  # (sequence, record ids), as sent
        self.answered: list[list[str]] = []
        self.readers: list[threading.Thread] = []

    def SubmitClaims(
        self, request_iterator: Iterator[ledger_pb.SignedPayload], timeout: float
    ) -> Iterable[pb.VerdictBatch]:
        arrived: queue.Queue[pb.ClaimEnvelope | None] = queue.Queue()

        def read() -> None:
            for signed in request_iterator:
                envelope = pb.ClaimEnvelope.FromString(signed.payload)
                self.received.append((envelope.sequence, [c.record_id for c in envelope.claims]))
                arrived.put(envelope)
            arrived.put(None)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self.readers.append(reader)
        return self._answers(arrived)

    def _answers(self, arrived: queue.Queue[pb.ClaimEnvelope | None]) -> Iterator[pb.VerdictBatch]:
        while (envelope := arrived.get(timeout=WAIT)) is not None:
            records = [c.record_id for c in envelope.claims]
            if records[0] == self._refuse:
                self._refuse = None
                arrived.get(timeout=WAIT)  # the envelope behind it is on the wire too
                raise Replayed()
            self.answered.append(records)
            batch = pb.VerdictBatch(
                sequence=envelope.sequence,
                verdicts=[pb.Verdict(record_id=r, decision=pb.DECISION_ACCEPTED) for r in records],
            )
            yield self._receipts.sign_verdict_batch(PARTNER, batch)


def _envelope(index: int, claims: int = 3) -> pb.ClaimEnvelope:
    return pb.ClaimEnvelope(
        partner=PARTNER,
        delivery_id="D",
        claims=[pb.Claim(record_id=f"E{index}-{c}") for c in range(claims)],
    )


def _hub_keys() -> tuple[ReceiptSigner, PublicKey]:
    signer = Signer(Ed25519PrivateKey.generate())
    return ReceiptSigner(signer), PublicKey(signer.public_key)


def _records(index: int) -> list[str]:
    return [c.record_id for c in _envelope(index).claims]


def test_after_a_replay_the_client_sends_exactly_the_unanswered_envelopes_again() -> None:
    receipts, hub_key = _hub_keys()
    hub = FakeHub(receipts, refuse="E1-0")
    pending = iter([_envelope(i) for i in range(5)])
    taken_ahead: list[int] = []

    def source() -> pb.ClaimEnvelope | None:
        envelope = next(pending, None)
        if envelope is not None:
            taken = int(envelope.claims[0].record_id[1:].split("-")[0]) + 1
            taken_ahead.append(taken - len(hub.answered))
        return envelope

    sequence = SharedSequence(Signer(Ed25519PrivateKey.generate()), 0)
    client = StreamingClient(hub, PARTNER, sequence, source, window=2, hub_key=hub_key)
    client.run()

    assert client.result.error is None
    # E0 answered; E1 refused with E2 behind it; both sent again, in order,
    # under new numbers, then the rest. E0 is not sent twice.
    assert hub.received == [
        (1, _records(0)),
        (2, _records(1)),
        (3, _records(2)),
        (4, _records(1)),
        (5, _records(2)),
        (6, _records(3)),
        (7, _records(4)),
    ]
    assert hub.answered == [_records(i) for i in range(5)]
    assert client.result.replays == 1
    assert client.result.envelopes == 5
    assert len(client.result.latencies) == 5
    assert client.result.tally.decisions == {"ACCEPTED": 15}
    # Never more than the window of envelopes taken from the feed and unanswered.
    assert max(taken_ahead) <= 2
    # The refused call's request iterator was ended, not left waiting.
    for reader in hub.readers:
        reader.join(WAIT)
        assert not reader.is_alive()


def test_a_long_run_goes_on_over_new_calls_without_losing_an_envelope() -> None:
    receipts, hub_key = _hub_keys()
    hub = FakeHub(receipts)
    pending = iter([_envelope(i) for i in range(5)])
    sequence = SharedSequence(Signer(Ed25519PrivateKey.generate()), 0)
    # A call's time is up as soon as it starts: it carries the window, no more.
    client = StreamingClient(
        hub,
        PARTNER,
        sequence,
        lambda: next(pending, None),
        window=2,
        hub_key=hub_key,
        call_seconds=0.0,
    )
    client.run()

    assert client.result.error is None
    assert len(hub.readers) == 3
    assert hub.received == [(n + 1, _records(n)) for n in range(5)]
    assert hub.answered == [_records(i) for i in range(5)]
    assert client.result.replays == 0


def test_the_feed_gives_each_client_its_planned_envelopes() -> None:
    clients, size = 3, 100
    eager = plan_envelopes(list(ClaimStream(1500)), clients, size)
    receipts, hub_key = _hub_keys()
    hubs = [FakeHub(receipts) for _ in range(clients)]
    feed = EnvelopeFeed(wire_envelopes(ClaimStream(1500), clients, size), clients, depth=2)
    progress = Progress(1500, ledger_before=0)
    sequence = SharedSequence(Signer(Ed25519PrivateKey.generate()), 0)
    streaming = [
        StreamingClient(
            hub, PARTNER, sequence, feed.source(i), window=2, hub_key=hub_key, progress=progress
        )
        for i, hub in enumerate(hubs)
    ]

    stream_all(streaming, feed, progress)

    for hub, share in zip(hubs, eager, strict=True):
        assert hub.answered == [[c.record_id for c in envelope] for envelope in share]
    assert progress.answered == 1500
    assert sum(segment.claims for segment in progress.segments) == 1500


def test_a_failing_producer_stops_the_run_with_its_error() -> None:
    def planned() -> Iterator[tuple[int, pb.ClaimEnvelope]]:
        yield 0, _envelope(0)
        raise ValueError("the claim generator broke")

    receipts, hub_key = _hub_keys()
    feed = EnvelopeFeed(planned(), 2, depth=2)
    sequence = SharedSequence(Signer(Ed25519PrivateKey.generate()), 0)
    clients = [
        StreamingClient(
            FakeHub(receipts), PARTNER, sequence, feed.source(i), window=2, hub_key=hub_key
        )
        for i in range(2)
    ]

    with pytest.raises(ValueError, match="the claim generator broke"):
        stream_all(clients, feed, Progress(6, ledger_before=0))


def test_segments_cover_the_run_from_the_ledger_size_they_started_at() -> None:
    said: list[str] = []
    progress = Progress(1000, ledger_before=500, say=said.append)
    progress.begin()
    for _ in range(6):
        progress.add(150)
    progress.add(100)

    segments = progress.segments
    assert 1 < len(segments) <= 10
    assert sum(s.claims for s in segments) == 1000
    starts = [500 + sum(s.claims for s in segments[:i]) for i in range(len(segments))]
    assert [s.claims_before for s in segments] == starts
    assert 1 < len(said) <= 20
    assert said[-1].startswith("1,000 of 1,000 claims (100%)")
