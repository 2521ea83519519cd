"""A partner write overtaken by another writer of the same partner is sent again.

The fake hub here has another writer of the partner (``OtherWriter``): just
before chosen signed writes arrive, that writer records a few of its own,
so the hub refuses the overtaken write as ENVELOPE_REPLAYED and records
nothing, as the real hub does. The client must catch up with the hub's
sequence and send again exactly what was not answered, a bounded number
of times; every other refusal still fails at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.attestation_client import attest_adjustment
from adapters.guangdong import GuangdongAdapter
from adapters.hongkong import HongKongAdapter
from adapters.hub_call_errors import HubCallError
from adapters.hub_client import submit_delivery
from adapters.partner_signing import PartnerSigner
from adapters.signed_calls import ReplayRetry
from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.errors import FailedPrecondition, HubError
from tests.unit.adapters.adapter_testkit import GD_01, HK_01, FakeHub, FakePartnerService, M

OTHER_WRITES = 5  # what the other writer records each time it gets there first
MOMENT = datetime(2024, 11, 20, 10, 0, tzinfo=UTC)


@dataclass
class OtherWriter(FakePartnerService):
    """The fake hub, with another writer of the partner getting there first
    just before the signed writes counted in ``overtaken`` arrive (1-based,
    in arrival order; None: before every one, a hub that refuses forever).
    ``refusal`` instead refuses every write with that error."""

    overtaken: frozenset[int] | None = frozenset()
    refusal: HubError | None = None
    arrivals: int = 0

    def _open(self, signed: ledger_pb.SignedPayload, expected: PayloadType, message: M) -> M:
        with self.lock:
            self.arrivals += 1
            if self.refusal is not None:
                raise self.refusal
            if self.overtaken is None or self.arrivals in self.overtaken:
                partner = self.keys[signed.key_id][0]
                self.last_sequence[partner] = self.last_sequence.get(partner, 0) + OTHER_WRITES
        return super()._open(signed, expected, message)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[OtherWriter], tuple[FakeHub, grpc.Channel]]]:
    """Serves a given fake on a loopback port; returns it as a FakeHub and a channel to it."""
    servers: list[grpc.Server] = []
    channels: list[grpc.Channel] = []

    def start(service: OtherWriter) -> tuple[FakeHub, grpc.Channel]:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        pb_grpc.add_PartnerServiceServicer_to_server(service, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
        return FakeHub(service, f"127.0.0.1:{port}", tmp_path / "fake-hub"), channels[-1]

    try:
        yield start
    finally:
        for channel in channels:
            channel.close()
        for server in servers:
            server.stop(grace=None)


def _sequence(signed: ledger_pb.SignedPayload) -> int:
    return int(pb.ClaimEnvelope.FromString(signed.payload).sequence)


def test_an_envelope_overtaken_mid_stream_is_sent_again_with_those_after_it(
    serve: Callable[[OtherWriter], tuple[FakeHub, grpc.Channel]],
) -> None:
    # HK-20241101-01 has no projects: its four envelopes are the first four
    # signed writes, and the third is overtaken.
    service = OtherWriter(overtaken=frozenset({3}))
    fake_hub, channel = serve(service)
    signer = PartnerSigner.synced("CN-HK", fake_hub.signer("CN-HK"), channel)
    delivery = HongKongAdapter().read(HK_01)
    progress: list[int] = []
    pauses: list[float] = []
    report = submit_delivery(
        delivery,
        channel,
        signer,
        batch_size=10,
        on_progress=progress.append,
        hub_key=fake_hub.hub_key,
        retry=ReplayRetry(sleep=pauses.append),
    )
    records = [c.submission.record_id for c in delivery.claims]
    # Each claim answered once, in the delivery's order, with its source line.
    assert [c.record_id for c in report.claims] == records
    assert [c.source for c in report.claims] == [c.source for c in delivery.claims]
    assert progress == [10, 10, 10, 5]
    # The hub recorded each envelope once: two on the first stream, the
    # overtaken one and the one behind it on a second stream, numbered above
    # the other writer's.
    assert [c.record_id for e in service.envelopes for c in e.claims] == records
    assert service.streams == 2 and service.arrivals == 5
    sequences = [_sequence(s) for s in service.signed]
    assert sequences[:2] == [1, 2]
    assert sequences[2] > 2 + OTHER_WRITES and sequences[3] > sequences[2]
    assert service.sequence_requests == ["CN-HK", "CN-HK"]  # synced, then caught up once
    assert len(pauses) == 1


@pytest.mark.parametrize("call", ["RegisterProjects", "SubmitClaims", "AttestAccountingAdjustment"])
def test_a_write_refused_forever_ends_in_a_call_error_after_twenty_resends(
    serve: Callable[[OtherWriter], tuple[FakeHub, grpc.Channel]], call: str
) -> None:
    service = OtherWriter(overtaken=None)
    fake_hub, channel = serve(service)
    pauses: list[float] = []
    retry = ReplayRetry(sleep=pauses.append)
    with pytest.raises(HubCallError) as error:
        if call == "AttestAccountingAdjustment":
            signer = PartnerSigner("CN-HK", fake_hub.signer("CN-HK"))
            attest_adjustment(
                channel, signer, "AA-1", AdjustmentStatus.COMMITTED, MOMENT, retry=retry
            )
        elif call == "RegisterProjects":
            signer = PartnerSigner("CN-GD", fake_hub.signer("CN-GD"))
            submit_delivery(GuangdongAdapter().read(GD_01), channel, signer, retry=retry)
        else:
            signer = PartnerSigner("CN-HK", fake_hub.signer("CN-HK"))
            delivery = replace(HongKongAdapter().read(HK_01), projects=[])
            submit_delivery(delivery, channel, signer, batch_size=10, retry=retry)
    assert error.value.rpc == call and error.value.status == "FAILED_PRECONDITION"
    cause = error.value.__cause__
    assert isinstance(cause, grpc.RpcError)
    info = error_info(cause)
    assert info is not None and info.reason == "ENVELOPE_REPLAYED"
    # Sent once and again twenty times, catching up with the hub before each
    # resend, after a pause that grows but stays within the longest.
    assert service.arrivals == 21
    assert len(service.sequence_requests) == 20
    assert len(pauses) == 20
    assert all(retry.first_pause / 2 <= p <= retry.longest_pause for p in pauses)
    assert pauses[-1] >= retry.longest_pause / 2
    assert service.signed == []


def test_other_refusals_are_not_sent_again(
    serve: Callable[[OtherWriter], tuple[FakeHub, grpc.Channel]],
) -> None:
    # Same status as a replay, another reason: the ledger's state forbids the
    # write, and sending it again would not change that.
    refusal = FailedPrecondition("BLOCK_FROZEN", "the adjustment's blocks are frozen")
    service = OtherWriter(refusal=refusal)
    fake_hub, channel = serve(service)
    pauses: list[float] = []
    signer = PartnerSigner("CN-HK", fake_hub.signer("CN-HK"))
    with pytest.raises(HubCallError) as error:
        attest_adjustment(
            channel,
            signer,
            "AA-1",
            AdjustmentStatus.COMMITTED,
            MOMENT,
            retry=ReplayRetry(sleep=pauses.append),
        )
    assert error.value.status == "FAILED_PRECONDITION"
    cause = error.value.__cause__
    assert isinstance(cause, grpc.RpcError)
    info = error_info(cause)
    assert info is not None and info.reason == "BLOCK_FROZEN"
    assert service.arrivals == 1
    assert service.sequence_requests == [] and pauses == []


def test_catching_up_never_moves_a_signer_back() -> None:
    signer = PartnerSigner("CN-GD", Signer(Ed25519PrivateKey.generate()), last_sequence=7)
    signer.catch_up(4)  # a number this signer gave may still be in flight
    assert signer.last_sequence == 7
    signer.catch_up(12)
    assert signer.last_sequence == 12
