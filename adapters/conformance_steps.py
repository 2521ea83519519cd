"""The steps of a conformance run (`carbon-hub-adapter conformance`): the
partner's side of the contract, each tried against a sandbox hub and judged.

Each step has a stable name (never renamed or reused), ends PASS or FAIL,
and names the code or reason it saw. The claims are the sandbox partner's
(hub/serving/sandbox.py): light-rail rides (``METRO``, km) of pseudonymous persons
made up for the run, each with the run's accounting-adjustment reference.
Record ids carry the run's id, so runs against one sandbox never meet.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.attestation_client import attest_adjustment
from adapters.hub_call_errors import HubCallError
from adapters.partner_signing import UNARY_TIMEOUT, PartnerSigner, last_recorded_sequence
from adapters.reconciliation_client import submit_reconciliation
from adapters.wire_records import claim_to_proto
from carbonhub_contract.error_details import ENVELOPE_REPLAYED, error_info
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.receipts import verify_verdict_batch
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import AdjustmentStatus, ClaimSubmission

PASS = "PASS"
FAIL = "FAIL"
SANDBOX_METHODOLOGY = "METRO"
# A partner code that is not the sandbox partner's: the certificate must not act for it.
OTHER_PARTNER = "CN-GD"
STEP_NAMES = (
    "mtls_identity",
    "signed_write",
    "sequence_numbering",
    "receipt_verified",
    "resubmission_unchanged",
    "resubmission_changed",
    "refused_envelope",
    "catch_up",
    "attestation_answered",
    "reconciliation_answered",
)


@dataclass(frozen=True)
class StepResult:
    name: str
    result: str  # PASS or FAIL
    code: str | None  # the code seen (a check, a refusal reason, a gRPC status)
    detail: str

    @property
    def passed(self) -> bool:
        return self.result == PASS


class StepFailed(Exception):
    def __init__(self, code: str | None, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class Run:
    """What the steps share: the channel, the partner's signer, the hub key, the claims."""

    channel: grpc.Channel
    key: Signer  # the partner's signing key
    signer: PartnerSigner  # that key with the partner's sequence
    hub_key: PublicKey
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    first: pb.VerdictBatch | None = None
    first_sequence: int = 0
    claims: list[ClaimSubmission] = field(default_factory=list)

    @property
    def partner(self) -> str:
        return self.signer.partner

    @property
    def stub(self) -> pb_grpc.PartnerServiceStub:
        return pb_grpc.PartnerServiceStub(self.channel)  # type: ignore[no-untyped-call]

    @property
    def adjustment_ref(self) -> str:
        return f"SBX-ADJ-{self.run_id}"

    def claim(self, label: str, km: str = "6.4") -> ClaimSubmission:
        """A ride of yesterday morning in Asia/Shanghai, of a person of its own."""
        day = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).date().isoformat()
        return ClaimSubmission(
            partner=self.partner,
            delivery_id=f"CONFORMANCE-{self.run_id}",
            record_id=f"CONF-{self.run_id}-{label}",
            partner_methodology=SANDBOX_METHODOLOGY,
            period_start=f"{day}T08:00",
            period_end=f"{day}T08:30",
            time_zone="Asia/Shanghai",
            activity_quantity=km,
            activity_unit="km",
            person_pseudonym=secrets.token_hex(32),
            adjustment_ref=self.adjustment_ref,
        )

    def send(
        self, claims: list[ClaimSubmission], signer: PartnerSigner | None = None
    ) -> tuple[int, pb.VerdictBatch]:
        """One envelope on its own SubmitClaims call: its sequence and the hub's answer."""
        envelope = pb.ClaimEnvelope(
            partner=self.partner,
            delivery_id=f"CONFORMANCE-{self.run_id}",
            claims=[claim_to_proto(c) for c in claims],
        )
        signed = (signer or self.signer).sign(PayloadType.CLAIM_ENVELOPE, envelope)
        answers = list(self.stub.SubmitClaims(iter([signed]), timeout=UNARY_TIMEOUT))
        if len(answers) != 1:
            raise StepFailed(None, f"{len(answers)} verdict batches for one envelope")
        return envelope.sequence, answers[0]

    def hub_sequence(self) -> int:
        return last_recorded_sequence(self.stub, self.partner)


def refusal(error: grpc.RpcError) -> tuple[str, str]:
    """The reason code a refused call carries (its gRPC status when it has none) and its text."""
    info = error_info(error)
    status = error.code().name if isinstance(error, grpc.Call) else "UNKNOWN"
    details = error.details() if isinstance(error, grpc.Call) else str(error)
    return (info.reason if info is not None and info.reason else status), f"{status}: {details}"


def _decisions(batch: pb.VerdictBatch) -> str:
    return ", ".join(
        f"{v.record_id} {pb.Decision.Name(v.decision).removeprefix('DECISION_')}"
        for v in batch.verdicts
    )


def _codes(verdict: pb.Verdict) -> list[str]:
    return [c.code for c in verdict.checks]


# -- the steps, in order; each returns (code, detail) or raises StepFailed ---------


def mtls_identity(run: Run) -> tuple[str | None, str]:
    # Over mutual TLS with the partner's certificate; the signer numbers on from here.
    run.signer.catch_up(run.hub_sequence())
    try:
        run.stub.GetPartnerSequence(
            pb.GetPartnerSequenceRequest(partner=OTHER_PARTNER), timeout=UNARY_TIMEOUT
        )
    except grpc.RpcError as error:
        code, text = refusal(error)
        if isinstance(error, grpc.Call) and error.code() is grpc.StatusCode.PERMISSION_DENIED:
            return code, f"certificate acts for {run.partner}; {OTHER_PARTNER} refused ({text})"
        raise StepFailed(code, f"asking as {OTHER_PARTNER}: {text}") from error
    raise StepFailed(None, f"the hub let this certificate act for {OTHER_PARTNER}")


def signed_write(run: Run) -> tuple[str | None, str]:
    run.claims = [run.claim("A"), run.claim("B", "3.2")]
    try:
        run.first_sequence, run.first = run.send(run.claims)
    except grpc.RpcError as error:
        code, text = refusal(error)
        raise StepFailed(
            code, f"envelope signed with {run.signer.key_id} refused: {text}"
        ) from error
    return None, f"signed with {run.signer.key_id}; answered: {_decisions(run.first)}"


def _first(run: Run) -> pb.VerdictBatch:
    if run.first is None:
        raise StepFailed("NOT_RUN", "needs signed_write")
    return run.first


def sequence_numbering(run: Run) -> tuple[str | None, str]:
    batch = _first(run)
    if batch.sequence != run.first_sequence:
        raise StepFailed(
            None, f"envelope {run.first_sequence} answered as sequence {batch.sequence}"
        )
    recorded = run.hub_sequence()
    if recorded != run.first_sequence:
        raise StepFailed(None, f"sent sequence {run.first_sequence}, the hub's last is {recorded}")
    return None, f"sequence {run.first_sequence} answered and recorded as the last"


def receipt_verified(run: Run) -> tuple[str | None, str]:
    batch = _first(run)
    check = verify_verdict_batch(run.partner, batch, run.hub_key)
    if not check.valid:
        raise StepFailed(check.reason, f"receipt of envelope {batch.sequence} does not verify")
    return None, f"receipt of envelope {batch.sequence} verifies under {batch.receipt.key_id}"


def resubmission_unchanged(run: Run) -> tuple[str | None, str]:
    original = _first(run).verdicts[0]
    _, batch = run.send([run.claims[0]])
    again = batch.verdicts[0]
    if not again.resubmission:
        raise StepFailed(None, f"{again.record_id}: not answered as a resubmission")
    if again.claim_id != original.claim_id or again.decision != original.decision:
        raise StepFailed(
            None, f"{again.record_id}: answered {_decisions(batch)}, not its original verdict"
        )
    return None, f"{again.record_id}: original verdict again ({_decisions(batch)}, same claim id)"


def resubmission_changed(run: Run) -> tuple[str | None, str]:
    _first(run)
    changed = replace(run.claims[0], activity_quantity="7.1")
    _, batch = run.send([changed])
    verdict = batch.verdicts[0]
    if (
        "DUPLICATE_RECORD_CHANGED" not in _codes(verdict)
        or verdict.decision != pb.DECISION_REJECTED
    ):
        raise StepFailed(
            ",".join(_codes(verdict)) or None, f"changed {verdict.record_id}: {_decisions(batch)}"
        )
    return "DUPLICATE_RECORD_CHANGED", f"changed {verdict.record_id} refused"


def refused_envelope(run: Run) -> tuple[str | None, str]:
    """An envelope the hub refuses (signed with a key it does not know) records
    nothing: the hub's sequence stays, and the same claims correctly signed
    are then answered as new."""
    before = run.hub_sequence()
    stranger = PartnerSigner(run.partner, Signer(Ed25519PrivateKey.generate()), before)
    claim = run.claim("C")
    try:
        run.send([claim], stranger)
    except grpc.RpcError as error:
        code, text = refusal(error)
    else:
        raise StepFailed(None, "an envelope signed with an unregistered key was answered")
    after = run.hub_sequence()
    if after != before:
        raise StepFailed(code, f"refused ({text}) yet the hub's sequence moved {before} -> {after}")
    run.signer.catch_up(after)
    _, batch = run.send([claim])
    if batch.verdicts[0].resubmission:
        raise StepFailed(code, f"{claim.record_id} was recorded from the refused envelope")
    return code, f"refused, nothing recorded; sent again signed: {_decisions(batch)}"


def catch_up(run: Run) -> tuple[str | None, str]:
    """Another writer of the partner overtakes this one: its next write is
    refused ENVELOPE_REPLAYED; it asks the hub's last sequence and sends again."""
    other = PartnerSigner(run.partner, run.key, run.hub_sequence())
    run.send([run.claim("D")], other)
    stale = PartnerSigner(run.partner, run.key, run.first_sequence)
    claim = run.claim("E")
    try:
        run.send([claim], stale)
    except grpc.RpcError as error:
        code, text = refusal(error)
        if code != ENVELOPE_REPLAYED:
            raise StepFailed(code, f"overtaken write refused otherwise: {text}") from error
    else:
        raise StepFailed(None, "an overtaken sequence number was answered")
    last = run.hub_sequence()
    stale.catch_up(last)
    sequence, batch = run.send([claim], stale)
    run.signer.catch_up(sequence)
    return code, f"overtaken, caught up to {last}, sent again as {sequence}: {_decisions(batch)}"


def attestation_answered(run: Run) -> tuple[str | None, str]:
    try:
        outcome = attest_adjustment(
            run.channel,
            run.signer,
            run.adjustment_ref,
            AdjustmentStatus.COMMITTED,
            datetime.now(UTC),
            note="conformance run",
        )
    except HubCallError as error:
        raise StepFailed(error.status, str(error)) from error
    codes = ",".join(outcome.check_codes) or None
    verdict = "accepted" if outcome.accepted else "refused"
    return codes, f"adjustment {run.adjustment_ref} COMMITTED: {verdict}"


def reconciliation_answered(run: Run) -> tuple[str | None, str]:
    try:
        outcome = submit_reconciliation(run.channel, run.partner, None, [], [])
    except HubCallError as error:
        raise StepFailed(error.status, str(error)) from error
    if not outcome.reconciliation_id:
        raise StepFailed(None, "answered without a reconciliation id")
    return outcome.status, (
        f"reconciliation {outcome.reconciliation_id}: {outcome.status}, "
        f"{len(outcome.discrepancies)} discrepancies (nothing stated by this run)"
    )


STEPS: tuple[Callable[[Run], tuple[str | None, str]], ...] = (
    mtls_identity,
    signed_write,
    sequence_numbering,
    receipt_verified,
    resubmission_unchanged,
    resubmission_changed,
    refused_envelope,
    catch_up,
    attestation_answered,
    reconciliation_answered,
)


def run_steps(run: Run) -> Iterator[StepResult]:
    """Every step in order; a step that fails does not stop the next ones,
    except that without mutual TLS nothing else can be tried."""
    for step in STEPS:
        try:
            code, detail = step(run)
            yield StepResult(step.__name__, PASS, code, detail)
        except StepFailed as failed:
            yield StepResult(step.__name__, FAIL, failed.code, failed.detail)
        except grpc.RpcError as error:
            code, text = refusal(error)
            yield StepResult(step.__name__, FAIL, code, text)
            if step is mtls_identity:
                yield from not_run(STEPS[1:], "needs mtls_identity")
                return


def not_run(
    steps: tuple[Callable[[Run], tuple[str | None, str]], ...], why: str
) -> Iterator[StepResult]:
    for step in steps:
        yield StepResult(step.__name__, FAIL, "NOT_RUN", why)
