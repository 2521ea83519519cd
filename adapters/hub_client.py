"""The partner side of the wire: send one mapped delivery to the hub.

Projects first (RegisterProjects, in chunks), then one bidirectional
SubmitClaims stream: envelopes of ``batch_size`` claims with a sequence
number, exactly one VerdictBatch back per envelope, in order, holding one
verdict per claim in the envelope's order.

A delivery shares the partner's sequence with its other writers: a write
overtaken by one is sent again (signed_calls.py); of the claim stream, the
envelopes not answered yet. The partner's other calls are in
attestation_client.py, reconciliation_client.py and points_client.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import grpc

from adapters.delivery import Delivery
from adapters.delivery_report import ClaimOutcome, DeliveryReport, ProjectOutcome
from adapters.hub_call_errors import HubProtocolError
from adapters.partner_signing import PartnerSigner
from adapters.signed_calls import REPLAY_RETRY, ReplayRetry, after_refusal, signed_call
from adapters.verdicts import claim_outcome, project_outcome
from adapters.wire_records import claim_to_proto, project_to_proto
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.receipts import verify_verdict_batch
from carbonhub_contract.signing import PublicKey
from carbonhub_contract.vocabulary.envelopes import PayloadType

T = TypeVar("T")


# A delivery's claim stream may run long; past this the client gives up (the
# hub bounds every stream's life too, see HubSettings.stream_max_lifetime).
STREAM_TIMEOUT = 3600.0


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _register_projects(
    stub: pb_grpc.PartnerServiceStub,
    delivery: Delivery,
    signer: PartnerSigner,
    batch_size: int,
    retry: ReplayRetry,
) -> list[ProjectOutcome]:
    outcomes: list[ProjectOutcome] = []
    for chunk in _chunks(delivery.projects, batch_size):
        request = pb.RegisterProjectsRequest(
            partner=delivery.partner,
            delivery_id=delivery.delivery_id,
            projects=[project_to_proto(p.submission) for p in chunk],
        )
        response: pb.RegisterProjectsResponse = signed_call(
            "RegisterProjects",
            stub.RegisterProjects,
            PayloadType.PROJECTS,
            request,
            stub=stub,
            signer=signer,
            retry=retry,
        )
        if len(response.results) != len(chunk):
            raise HubProtocolError(
                f"RegisterProjects: {len(chunk)} projects sent, {len(response.results)} results"
            )
        for sent, result in zip(chunk, response.results, strict=True):
            outcomes.append(project_outcome(sent, result, delivery.project_columns))
    return outcomes


class _ClaimStream:
    """One delivery's claims on SubmitClaims, sent again from the first
    unanswered envelope when the hub refuses one as overtaken.

    The hub handles a stream's envelopes one after another and records each
    before answering it, and a refused envelope records nothing, so after a
    refusal exactly the unanswered envelopes are sent again, on a new
    stream under new numbers: the answers received stay, in order, and no
    claim is recorded twice.
    """

    def __init__(
        self,
        stub: pb_grpc.PartnerServiceStub,
        delivery: Delivery,
        signer: PartnerSigner,
        batch_size: int,
        on_progress: Callable[[int], None] | None,
        receipts: _ReceiptCheck | None,
    ) -> None:
        self._stub = stub
        self._delivery = delivery
        self._signer = signer
        self._batches = list(_chunks(delivery.claims, batch_size))
        self._on_progress = on_progress
        self._receipts = receipts
        self._answered = 0
        self._outcomes: list[ClaimOutcome] = []

    def send(self, retry: ReplayRetry) -> list[ClaimOutcome]:
        refusals = 0
        while self._answered < len(self._batches):
            answered = self._answered
            try:
                self._stream()
            except grpc.RpcError as error:
                # Answers since the last refusal mean this writer is moving,
                # not starved: the bound counts refusals in a row.
                refusals = 1 if self._answered > answered else refusals + 1
                after_refusal("SubmitClaims", error, refusals, self._stub, self._signer, retry)
        return self._outcomes

    def _stream(self) -> None:
        """One SubmitClaims call carrying the envelopes not answered yet."""
        delivery, batches, first = self._delivery, self._batches, self._answered
        stop = threading.Event()
        sequences: list[int] = []  # of this call's envelopes, as signed

        def envelopes() -> Iterator[ledger_pb.SignedPayload]:
            # Signed as gRPC takes them, from fresh messages: an abandoned
            # call's iterator can never renumber what the next call sends.
            for batch in batches[first:]:
                if stop.is_set():
                    return
                envelope = pb.ClaimEnvelope(
                    partner=delivery.partner,
                    delivery_id=delivery.delivery_id,
                    claims=[claim_to_proto(c.submission) for c in batch],
                )
                signed = self._signer.sign(PayloadType.CLAIM_ENVELOPE, envelope)
                sequences.append(envelope.sequence)
                yield signed

        call = self._stub.SubmitClaims(envelopes(), timeout=STREAM_TIMEOUT)
        try:
            for answer in call:
                if self._answered >= len(batches):
                    raise HubProtocolError(
                        f"SubmitClaims: {self._answered + 1} verdict batches for "
                        f"{len(batches)} envelopes"
                    )
                self._take(answer, sequences[self._answered - first])
            if self._answered != len(batches):
                raise HubProtocolError(
                    f"SubmitClaims: {len(batches)} envelopes sent, "
                    f"{self._answered} verdict batches came back"
                )
        except HubProtocolError:
            call.cancel()
            raise
        finally:
            stop.set()

    def _take(self, answer: pb.VerdictBatch, due: int) -> None:
        """The answer to the first unanswered envelope, signed with sequence ``due``."""
        number = self._answered + 1
        batch = self._batches[self._answered]
        if answer.sequence != due:
            raise HubProtocolError(
                f"SubmitClaims: envelope {answer.sequence} answered where {due} was due"
            )
        if self._receipts is not None:
            self._receipts(self._delivery.partner, answer)
        if len(answer.verdicts) != len(batch):
            raise HubProtocolError(
                f"SubmitClaims: envelope {number} held {len(batch)} claims, "
                f"{len(answer.verdicts)} verdicts came back"
            )
        columns = self._delivery.claim_columns
        self._outcomes.extend(
            claim_outcome(sent, verdict, columns)
            for sent, verdict in zip(batch, answer.verdicts, strict=True)
        )
        self._answered = number
        if self._on_progress is not None:
            self._on_progress(len(batch))


class _ReceiptCheck:
    """Checks each verdict batch's receipt under the hub key and hands it on."""

    def __init__(
        self, hub_key: PublicKey | None, keep: Callable[[ledger_pb.Receipt], None] | None
    ) -> None:
        self._hub_key = hub_key
        self._keep = keep

    def __call__(self, partner: str, batch: pb.VerdictBatch) -> None:
        if self._hub_key is not None:
            check = verify_verdict_batch(partner, batch, self._hub_key)
            if not check.valid:
                raise HubProtocolError(
                    f"SubmitClaims: the receipt of envelope {batch.sequence} does not "
                    f"verify: {check.reason}"
                )
        if self._keep is not None:
            self._keep(batch.receipt)


def submit_delivery(
    delivery: Delivery,
    channel: grpc.Channel,
    signer: PartnerSigner,
    *,
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
    hub_key: PublicKey | None = None,
    on_receipt: Callable[[ledger_pb.Receipt], None] | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> DeliveryReport:
    """Send a delivery: projects first, then its claims on one stream, every
    request signed by ``signer``.

    ``on_progress`` is called with the number of claims whose verdicts just
    arrived, once per verdict batch. With ``hub_key`` each verdict batch's
    receipt must verify under the hub's signing key (else HubProtocolError);
    ``on_receipt`` receives every receipt, to keep as proof. A write
    overtaken by another writer of the partner is sent again (``retry``):
    of the claims, the envelopes not answered yet, so each claim gets one
    verdict, in the delivery's order. Raises HubCallError when a call fails
    (hub unreachable, refused, stream broken) and HubProtocolError when the
    answers do not match what was sent; the adapter's own problems are in
    the returned report, never raised.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if signer.partner != delivery.partner:
        raise ValueError(f"a {signer.partner} key cannot sign a delivery of {delivery.partner}")
    stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
    receipts = _ReceiptCheck(hub_key, on_receipt) if hub_key or on_receipt else None
    projects = _register_projects(stub, delivery, signer, batch_size, retry)
    claims = _ClaimStream(stub, delivery, signer, batch_size, on_progress, receipts).send(retry)
    return DeliveryReport(
        partner=delivery.partner,
        delivery_id=delivery.delivery_id,
        rows_read=delivery.rows_read,
        problems=tuple(delivery.problems),
        claims=tuple(claims),
        projects=tuple(projects),
    )
