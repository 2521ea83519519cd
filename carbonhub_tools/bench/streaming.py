"""Partner clients streaming signed claim envelopes to a hub over mutual TLS.

Each client has its own partner certificate and streams its share of the
envelopes on a SubmitClaims call (a new one every ``CALL_SECONDS``, so a
long run stays inside the call's deadline), keeping at most ``window`` envelopes
unanswered (so the latency of an envelope is the hub's, not a queue's in
the client). All clients of a partner share its signing key and its
sequence counter: a partner's sequence is strictly increasing over all its
writes, so when clients overtake one another the hub refuses the overtaken
envelope (ENVELOPE_REPLAYED, nothing recorded) and the client sends the
unanswered envelopes again under new numbers, as an adapter does.

Envelopes are built while the run goes (``EnvelopeFeed``: one producer
thread, a short queue per client) and a client keeps only the ones the hub
has not answered yet, so the bench's memory does not grow with the run's
size: a run of ten million claims holds a few envelopes per client.
"""

from __future__ import annotations

import queue
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import grpc

from carbonhub_contract.error_details import overtaken_write
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.receipts import verify_verdict_batch
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_tools.bench.tally import Tally
from hub.trust.tls import secure_channel

STREAM_TIMEOUT = 3600.0
# A call is ended (nothing more sent on it, the rest on a new one) after this
# long, well inside STREAM_TIMEOUT: ten million claims take most of an hour.
CALL_SECONDS = 600.0
# Each replay means another client's write was committed meanwhile, so a
# client refused this many times in a row without one answer in between is
# facing a hub that refuses forever, not contention.
MAX_REPLAYS_WITHOUT_ANSWER = 1000
# Envelopes built ahead per client: enough that a client never waits for the
# producer when the hub answers, few enough that memory stays a few envelopes.
FEED_DEPTH = 2
# How often a blocked producer or client looks whether the run was stopped.
POLL_SECONDS = 0.2
SEGMENTS = 10
PROGRESS_STEPS = 20
Say = Callable[[str], None]
Source = Callable[[], pb.ClaimEnvelope | None]


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


@dataclass(frozen=True)
class Segment:
    """A tenth of the run, timed when its verdicts arrived."""

    claims_before: int  # the ledger's size when it began: preload + claims answered
    claims: int
    seconds: float
    # The hub process's CPU over the segment (None where it cannot be read):
    # on a shared machine this moves far less than the wall-clock rate.
    hub_cpu_seconds: float | None = None

    def as_json(self) -> dict[str, float | int | None]:
        rate = self.claims / self.seconds if self.seconds > 0 else 0.0
        cpu = self.hub_cpu_seconds
        return {
            "claims_before": self.claims_before,
            "claims": self.claims,
            "seconds": round(self.seconds, 3),
            "claims_per_second": round(rate, 1),
            "hub_cpu_seconds": None if cpu is None else round(cpu, 3),
            "hub_cpu_us_per_claim": None
            if cpu is None or not self.claims
            else round(1e6 * cpu / self.claims, 1),
        }


class Progress:
    """Claims answered over all clients: the run's segments and its progress lines.

    Counted when the verdicts arrive, so a segment's rate is what the hub
    answered while its ledger held ``claims_before`` claims.
    """

    def __init__(
        self,
        total: int,
        ledger_before: int,
        say: Say | None = None,
        hub_cpu: Callable[[], float | None] | None = None,
    ) -> None:
        self.total = total
        self._before = ledger_before
        self._say = say
        self._hub_cpu = hub_cpu
        self._segment_cpu: float | None = None
        self._lock = threading.Lock()
        self._answered = 0
        # Claims answered at which a segment ends, and a progress line is said.
        self._segment_marks = _marks(total, SEGMENTS)
        self._report_marks = _marks(total, PROGRESS_STEPS)
        self._segments: list[Segment] = []
        self._started = self._segment_at = self._report_at = 0.0
        self._segment_from = self._report_from = 0

    def begin(self) -> None:
        with self._lock:
            self._started = self._segment_at = self._report_at = time.perf_counter()
            self._segment_cpu = self._hub_cpu() if self._hub_cpu else None

    @property
    def answered(self) -> int:
        return self._answered

    @property
    def segments(self) -> list[Segment]:
        with self._lock:
            return list(self._segments)

    def add(self, claims: int) -> None:
        with self._lock:
            now = time.perf_counter()
            self._answered += claims
            done = self._answered
            if self._passed(self._segment_marks):
                cpu = self._hub_cpu() if self._hub_cpu else None
                used = None if cpu is None or self._segment_cpu is None else cpu - self._segment_cpu
                self._segments.append(
                    Segment(
                        self._before + self._segment_from,
                        done - self._segment_from,
                        now - self._segment_at,
                        used,
                    )
                )
                self._segment_from, self._segment_at, self._segment_cpu = done, now, cpu
            if self._passed(self._report_marks) and self._say is not None:
                seconds = now - self._report_at
                rate = (done - self._report_from) / seconds if seconds > 0 else 0.0
                ledger = f", ledger {self._before + done:,}" if self._before else ""
                self._say(
                    f"{done:,} of {self.total:,} claims ({100 * done / self.total:.0f}%) "
                    f"after {now - self._started:,.0f} s: {rate:,.0f}/s lately{ledger}"
                )
                self._report_from, self._report_at = done, now

    def _passed(self, marks: deque[int]) -> bool:
        """Whether the count reached the next mark (an envelope may pass several)."""
        passed = False
        while marks and marks[0] <= self._answered:
            marks.popleft()
            passed = True
        return passed


def _marks(total: int, parts: int) -> deque[int]:
    return deque(sorted({-(-total * k // parts) for k in range(1, parts + 1)}))


class FeedStopped(RuntimeError):
    """The run stopped (a client or the producer failed) before the feed ran dry."""


class EnvelopeFeed:
    """One producer thread building each client's envelopes just in time.

    ``planned`` gives (client, envelope) in the order the claims fill them;
    each client's queue holds at most ``depth`` envelopes, so the producer
    waits for the slowest client instead of building ahead of it. After the
    last envelope each client is handed None.
    """

    def __init__(
        self, planned: Iterable[tuple[int, pb.ClaimEnvelope]], clients: int, depth: int
    ) -> None:
        self._planned = planned
        self._queues: list[queue.Queue[pb.ClaimEnvelope | None]] = [
            queue.Queue(maxsize=depth) for _ in range(clients)
        ]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._produce, daemon=True)
        self.error: BaseException | None = None
        # The producer's CPU: what building envelopes took from the bench
        # while the clock ran (the claims are no longer made before it).
        self.cpu_seconds = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def join(self) -> None:
        self._thread.join()

    def source(self, client: int) -> Source:
        return lambda: self._take(client)

    def _take(self, client: int) -> pb.ClaimEnvelope | None:
        while True:
            try:
                return self._queues[client].get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self._stopped.is_set():
                    raise FeedStopped("the envelope feed stopped") from self.error

    def _put(self, client: int, envelope: pb.ClaimEnvelope | None) -> bool:
        while not self._stopped.is_set():
            try:
                self._queues[client].put(envelope, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for client, envelope in self._planned:
                if not self._put(client, envelope):
                    return
            for client in range(len(self._queues)):
                if not self._put(client, None):
                    return
        except BaseException as error:  # raised by stream_all, never swallowed
            self.error = error
            self._stopped.set()
        finally:
            self.cpu_seconds = time.thread_time()


@dataclass
class ClientResult:
    tally: Tally = field(default_factory=Tally)
    # Seconds per envelope, 8 bytes each: 80 KB for ten million claims in
    # envelopes of 1,000, the one figure of the client that grows with a run.
    latencies: array[float] = field(default_factory=lambda: array("d"))
    envelopes: int = 0
    replays: int = 0
    receipts_checked: int = 0
    error: BaseException | None = None


class ClaimSubmitter(Protocol):
    """The part of the PartnerService stub a client uses (a fake in the unit tests)."""

    def SubmitClaims(
        self, request_iterator: Iterator[ledger_pb.SignedPayload], timeout: float
    ) -> Iterable[pb.VerdictBatch]: ...


@dataclass
class _Unanswered:
    envelope: pb.ClaimEnvelope
    sent_at: float = 0.0


class StreamingClient:
    def __init__(
        self,
        stub: ClaimSubmitter,
        partner: str,
        sequence: SharedSequence,
        source: Source,
        *,
        window: int,
        hub_key: PublicKey,
        progress: Progress | None = None,
        channel: grpc.Channel | None = None,
        call_seconds: float = CALL_SECONDS,
    ) -> None:
        self._stub = stub
        self._channel = channel
        self._partner = partner
        self._sequence = sequence
        self._source = source
        self._exhausted = False
        self._window = window
        self._hub_key = hub_key
        self._call_seconds = call_seconds
        self._progress = progress
        self.result = ClientResult()
        # Sent (or about to be) and not answered, oldest first: what a refusal sends again.
        self._unanswered: deque[_Unanswered] = deque()

    @classmethod
    def over_tls(
        cls,
        address: str,
        ca: Path,
        identity: ClientIdentity,
        partner: str,
        sequence: SharedSequence,
        source: Source,
        *,
        window: int,
        hub_key: PublicKey,
        progress: Progress | None = None,
    ) -> StreamingClient:
        channel = secure_channel(address, ca=ca, cert=identity.certificate, key=identity.key)
        stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
        return cls(
            stub,
            partner,
            sequence,
            source,
            window=window,
            hub_key=hub_key,
            progress=progress,
            channel=channel,
        )

    def connect(self, timeout: float = 30.0) -> None:
        if self._channel is not None:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)

    def run(self) -> None:
        try:
            self._run()
        except BaseException as error:  # reported by the caller, never swallowed
            self.result.error = error
        finally:
            if self._channel is not None:
                self._channel.close()

    def _run(self) -> None:
        refused_in_a_row = 0
        while True:
            answered = self.result.envelopes
            try:
                if self._stream():
                    return
            except grpc.RpcError as error:
                if not overtaken_write(error):
                    raise
                self.result.replays += 1
                progressed = self.result.envelopes > answered
                refused_in_a_row = 1 if progressed else refused_in_a_row + 1
                if refused_in_a_row > MAX_REPLAYS_WITHOUT_ANSWER:
                    raise

    def _next(self) -> _Unanswered | None:
        """The feed's next envelope, kept as unanswered (None once the feed ran dry)."""
        if self._exhausted:
            return None
        envelope = self._source()
        if envelope is None:
            self._exhausted = True
            return None
        item = _Unanswered(envelope)
        self._unanswered.append(item)
        return item

    def _stream(self) -> bool:
        """One SubmitClaims call: the unanswered envelopes again, then the feed's;
        True once all are answered, False when the call was ended for a new one.

        The request iterator only signs and sends what this thread hands it
        (``outbox``), so what counts as unanswered changes in one thread and
        an abandoned call's iterator can never take an envelope from the feed.
        """
        outbox: queue.SimpleQueue[_Unanswered | None] = queue.SimpleQueue()
        for kept in self._unanswered:
            outbox.put(kept)
        while len(self._unanswered) < self._window:
            if (fresh := self._next()) is None:
                break
            outbox.put(fresh)
        if not self._unanswered:
            return True
        ends_at = time.monotonic() + self._call_seconds

        def requests() -> Iterator[ledger_pb.SignedPayload]:
            while (item := outbox.get()) is not None:
                # The same message object each time: its bytes are taken when
                # signed, so a resend only changes the sequence number.
                signed = self._sequence.sign(item.envelope)
                item.sent_at = time.perf_counter()
                yield signed

        responses = self._stub.SubmitClaims(requests(), timeout=STREAM_TIMEOUT)
        try:
            for batch in responses:
                self._answer(batch, time.perf_counter())
                if time.monotonic() < ends_at and (fresh := self._next()) is not None:
                    outbox.put(fresh)
                if not self._unanswered:
                    outbox.put(None)  # the stream's end: the hub then ends its answers
        finally:
            # Ends the request iterator of a call that failed or was left.
            outbox.put(None)
            if isinstance(responses, grpc.RpcContext) and self._unanswered:
                responses.cancel()
        if self._unanswered:
            raise RuntimeError(f"the hub ended the stream with {len(self._unanswered)} unanswered")
        return self._exhausted

    def _answer(self, batch: pb.VerdictBatch, now: float) -> None:
        if not self._unanswered:
            raise RuntimeError("a verdict batch for no envelope")
        item = self._unanswered[0]
        claims = len(item.envelope.claims)
        if len(batch.verdicts) != claims:
            raise RuntimeError(f"{len(batch.verdicts)} verdicts for {claims} claims")
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
        self._unanswered.popleft()
        self.result.latencies.append(now - item.sent_at)
        self.result.envelopes += 1
        if self._progress is not None:
            self._progress.add(claims)


def stream_all(clients: Sequence[StreamingClient], feed: EnvelopeFeed, progress: Progress) -> float:
    """Run the feed and every client at once; the wall-clock seconds until the last finished."""

    def run(client: StreamingClient) -> None:
        client.run()
        if client.result.error is not None:
            feed.stop()  # the producer would wait for this client forever

    threads = [threading.Thread(target=run, args=(client,), daemon=True) for client in clients]
    started = time.perf_counter()
    progress.begin()
    feed.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    feed.stop()
    feed.join()
    if feed.error is not None:
        raise feed.error
    for client in clients:
        if client.result.error is not None:
            raise client.result.error
    return elapsed
