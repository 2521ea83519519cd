"""Partner clients streaming signed claim envelopes to a hub over mutual TLS.

Each client has its own partner certificate and streams its share of the
envelopes on one SubmitClaims call, keeping at most ``window`` envelopes
unanswered (so the latency of an envelope is the hub's, not a queue's in
the client). All clients of a partner share its signing key and its
sequence counter: a partner's sequence is strictly increasing over all its
writes, so when clients overtake one another the hub refuses the overtaken
envelope (ENVELOPE_REPLAYED, nothing recorded) and the client sends the
unanswered envelopes again under new numbers, as an adapter does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from hub.bench.tally import Tally
from hub.domain.signed_payloads import PayloadType
from hub.grpc_api.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2 as pb
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from hub.grpc_api.status_mapping import error_info
from hub.trust.receipts import verify_verdict_batch
from hub.trust.signing import PublicKey, Signer
from hub.trust.tls import secure_channel

REPLAYED = "ENVELOPE_REPLAYED"
STREAM_TIMEOUT = 3600.0
# Each replay means another client's write was committed meanwhile: bounded
# by the run's envelopes; this only stops a hub that refuses forever.
MAX_REPLAYS_PER_ENVELOPE = 50


class SharedSequence:
    """One partner's signing key and its next sequence number, for all its clients."""

    def __init__(self, signer: Signer, last: int) -> None:
        self._signer = signer
        self._last = last
        self._lock = threading.Lock()

    def sign(
        self,
        message: pb.ClaimEnvelope | pb.RegisterProjectsRequest,
        payload_type: PayloadType = PayloadType.CLAIM_ENVELOPE,
    ) -> ledger_pb.SignedPayload:
        with self._lock:
            self._last += 1
            message.sequence = self._last
            payload = message.SerializeToString()
        kind = payload_type.value
        return ledger_pb.SignedPayload(
            payload_type=kind,
            payload=payload,
            key_id=self._signer.key_id,
            signature=self._signer.sign(kind, payload),
        )


@dataclass(frozen=True)
class ClientIdentity:
    certificate: Path
    key: Path


@dataclass
class ClientResult:
    tally: Tally = field(default_factory=Tally)
    latencies: list[float] = field(default_factory=list)
    envelopes: int = 0
    replays: int = 0
    receipts_checked: int = 0
    error: BaseException | None = None


def _replayed(error: grpc.RpcError) -> bool:
    if not isinstance(error, grpc.Call) or error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
        return False
    info = error_info(error)
    return info is not None and info.reason == REPLAYED


class StreamingClient:
    def __init__(
        self,
        address: str,
        ca: Path,
        identity: ClientIdentity,
        partner: str,
        sequence: SharedSequence,
        envelopes: Sequence[pb.ClaimEnvelope],
        *,
        window: int,
        hub_key: PublicKey,
    ) -> None:
        self._channel = secure_channel(address, ca=ca, cert=identity.certificate, key=identity.key)
        self._stub = pb_grpc.PartnerServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._partner = partner
        self._sequence = sequence
        self._envelopes = envelopes
        self._window = window
        self._hub_key = hub_key
        self.result = ClientResult()
        self._answered = 0

    def connect(self, timeout: float = 30.0) -> None:
        grpc.channel_ready_future(self._channel).result(timeout=timeout)

    def run(self) -> None:
        try:
            self._run()
        except BaseException as error:  # reported by the caller, never swallowed
            self.result.error = error
        finally:
            self._channel.close()

    def _run(self) -> None:
        replays_here = 0
        while self._answered < len(self._envelopes):
            try:
                self._stream_from(self._answered)
            except grpc.RpcError as error:
                if not _replayed(error):
                    raise
                self.result.replays += 1
                replays_here += 1
                if replays_here > MAX_REPLAYS_PER_ENVELOPE * len(self._envelopes):
                    raise
        self.result.envelopes = self._answered

    def _stream_from(self, start: int) -> None:
        """One SubmitClaims call from envelope ``start``; ``_answered`` follows the answers."""
        room = threading.Semaphore(self._window)
        sent_at: dict[int, float] = {}

        def requests() -> Iterator[ledger_pb.SignedPayload]:
            for index in range(start, len(self._envelopes)):
                room.acquire()
                copy = pb.ClaimEnvelope()
                copy.CopyFrom(self._envelopes[index])
                signed = self._sequence.sign(copy)
                sent_at[index] = time.perf_counter()
                yield signed

        for batch in self._stub.SubmitClaims(requests(), timeout=STREAM_TIMEOUT):
            now = time.perf_counter()
            self.result.latencies.append(now - sent_at[self._answered])
            envelope = self._envelopes[self._answered]
            if len(batch.verdicts) != len(envelope.claims):
                raise RuntimeError(
                    f"{len(batch.verdicts)} verdicts for {len(envelope.claims)} claims"
                )
            if self.result.receipts_checked == 0:
                # The first receipt of each client is checked under the hub
                # key: the hub signs on this path; checking them all would
                # put the client's CPU into the hub's figure.
                check = verify_verdict_batch(self._partner, batch, self._hub_key)
                if not check.valid:
                    raise RuntimeError(f"verdict receipt refused: {check.reason}")
                self.result.receipts_checked += 1
            for verdict in batch.verdicts:
                self.result.tally.add_proto(verdict)
            # Answered means recorded: after a refusal only the rest is sent again.
            self._answered += 1
            room.release()


def stream_all(clients: Sequence[StreamingClient]) -> float:
    """Run every client at once; the wall-clock seconds until the last one finished."""
    threads = [threading.Thread(target=client.run, daemon=True) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        if client.result.error is not None:
            raise client.result.error
    return elapsed
