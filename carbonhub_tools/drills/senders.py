"""A partner's sending loop as an adapter runs it: resend what was not answered.

The hub answers a claim envelope only after committing it, so an envelope
without an answer may or may not be recorded. The sender asks the hub for
the partner's last sequence and sends every unanswered envelope again,
signed anew: one the hub had recorded comes back as exact resubmissions
(the original verdicts, the same claim ids), one it had not is decided now.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from adapters.partner_signing import PartnerSigner
from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType

UNARY_TIMEOUT = 10.0


@dataclass(frozen=True)
class CallFailure:
    """A failed call as the client saw it."""

    rpc: str
    code: str  # gRPC status name
    reason: str  # ErrorInfo reason, "" when the hub sent none (e.g. the process was gone)
    retry_after: float | None  # the RetryInfo hint, seconds


def retry_hint(error: grpc.RpcError) -> float | None:
    """The RetryInfo delay of a failed call, in seconds, if the hub sent one."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        return None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return float(info.retry_delay.ToMilliseconds()) / 1000
    return None


def failure_of(rpc: str, error: grpc.RpcError) -> CallFailure:
    code = error.code().name if isinstance(error, grpc.Call) else "UNKNOWN"
    info = error_info(error) if isinstance(error, grpc.Call) else None
    return CallFailure(rpc, code, info.reason if info else "", retry_hint(error))


@dataclass
class SendLog:
    """What one partner's sender sent and heard."""

    verdicts: dict[str, list[pb.Verdict]] = field(default_factory=dict)  # record_id -> answers
    failures: list[CallFailure] = field(default_factory=list)
    envelopes_sent: int = 0  # envelopes put on a stream, resends included
    envelopes_answered: int = 0

    def answered(self, record_id: str) -> pb.Verdict | None:
        answers = self.verdicts.get(record_id)
        return answers[0] if answers else None


class DrillGaveUp(Exception):
    """The sender could not get its envelopes answered in time."""


class ResendingSender:
    """One partner's sender on one channel; ``send`` returns when every envelope is answered."""

    def __init__(
        self,
        partner: str,
        key: Signer,
        channel: grpc.Channel,
        *,
        seed: int = 0,
        patience: float = 300.0,
    ) -> None:
        self.partner = partner
        self._key = key
        self._stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
        self._channel = channel
        self._rng = random.Random(seed)
        self._patience = patience
        self.log = SendLog()
        self.batches: list[pb.VerdictBatch] = []  # the answer to each envelope, in order

    def _pause(self, failure: CallFailure, failures: int) -> None:
        # The hub's hint when it gave one, else a short capped backoff with jitter.
        base = (
            failure.retry_after if failure.retry_after is not None else 0.1 * 2 ** min(failures, 4)
        )
        time.sleep(base * self._rng.uniform(0.8, 1.2))

    def _signer(self) -> PartnerSigner:
        answer: pb.PartnerSequence = self._stub.GetPartnerSequence(
            pb.GetPartnerSequenceRequest(partner=self.partner), timeout=UNARY_TIMEOUT
        )
        return PartnerSigner(self.partner, self._key, answer.last_sequence)

    def register_projects(self, projects: Sequence[pb.Project], delivery_id: str) -> None:
        deadline = time.monotonic() + self._patience
        failures = 0
        while True:
            try:
                request = pb.RegisterProjectsRequest(
                    partner=self.partner, delivery_id=delivery_id, projects=list(projects)
                )
                response: pb.RegisterProjectsResponse = self._stub.RegisterProjects(
                    self._signer().sign(PayloadType.PROJECTS, request), timeout=UNARY_TIMEOUT
                )
                refused = [
                    (r.project_id, [c.code for c in r.checks])
                    for r in response.results
                    if r.decision != pb.DECISION_ACCEPTED
                ]
                if len(response.results) != len(projects) or refused:
                    raise DrillGaveUp(f"{self.partner}: projects not registered: {refused}")
                return
            except grpc.RpcError as error:
                failure = failure_of("RegisterProjects", error)
                self.log.failures.append(failure)
                failures += 1
                if time.monotonic() > deadline:
                    raise DrillGaveUp(f"{self.partner}: projects not registered") from error
                self._pause(failure, failures)

    def _signed(
        self, signer: PartnerSigner, pending: Sequence[pb.ClaimEnvelope], sequences: list[int]
    ) -> Iterator[ledger_pb.SignedPayload]:
        # Signed as gRPC asks for the next message: each attempt numbers its
        # own copies from the hub's last sequence.
        for envelope in pending:
            copy = pb.ClaimEnvelope()
            copy.CopyFrom(envelope)
            payload = signer.sign(PayloadType.CLAIM_ENVELOPE, copy)
            sequences.append(copy.sequence)
            self.log.envelopes_sent += 1
            yield payload

    def send(self, envelopes: Sequence[pb.ClaimEnvelope], timeout: float = 60.0) -> None:
        """Every envelope answered, in order, however often the call fails."""
        answered = 0
        failures = 0
        deadline = time.monotonic() + self._patience
        while answered < len(envelopes):
            start = answered
            pending = envelopes[start:]
            signed_sequences: list[int] = []
            try:
                signed = self._signed(self._signer(), pending, signed_sequences)
                for batch in self._stub.SubmitClaims(signed, timeout=timeout):
                    sent = envelopes[answered]
                    if batch.sequence != signed_sequences[answered - start]:
                        raise DrillGaveUp(f"{self.partner}: an envelope answered out of order")
                    if [v.record_id for v in batch.verdicts] != [c.record_id for c in sent.claims]:
                        raise DrillGaveUp(f"{self.partner}: verdicts do not match the envelope")
                    self.batches.append(batch)
                    for verdict in batch.verdicts:
                        self.log.verdicts.setdefault(verdict.record_id, []).append(verdict)
                    answered += 1
                    self.log.envelopes_answered += 1
                    failures = 0
            except grpc.RpcError as error:
                failure = failure_of("SubmitClaims", error)
                self.log.failures.append(failure)
                failures += 1
                if time.monotonic() > deadline:
                    raise DrillGaveUp(
                        f"{self.partner}: {len(envelopes) - answered} envelopes unanswered "
                        f"after {self._patience:.0f} s; last failure {failure}"
                    ) from error
                self._pause(failure, failures)
