"""Sample paths, a delivery writer and an in-process fake PartnerService for the adapter tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import grpc
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import Message

from adapters.samples_manifest import refresh
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.receipts import ReceiptSigner, verdict_batch_statement
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.errors import (
    FailedPrecondition,
    HubError,
    InvalidRequest,
    PermissionDenied,
    Unauthenticated,
)
from hub.grpc_api.status_mapping import abort

REPO = Path(__file__).resolve().parents[3]
GD_01 = REPO / "adapters/guangdong/samples/GD-20241031-01"
GD_02 = REPO / "adapters/guangdong/samples/GD-20241107-02"
HK_01 = REPO / "adapters/hongkong/samples/HK-20241101-01"
TPL_01 = REPO / "adapters/partner_template/samples/TPL-20241101-01"
DATA = Path(__file__).resolve().parent / "data"

M = TypeVar("M", bound=Message)


def write_delivery(
    folder: Path, partner: str, delivery_id: str, encoding: str, files: dict[str, tuple[str, bytes]]
) -> Path:
    """A delivery folder with files {role: (name, bytes)} and a manifest with correct digests."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.values():
        (folder / name).write_bytes(data)
    manifest = {
        "partner": partner,
        "delivery_id": delivery_id,
        "encoding": encoding,
        "created_at": "2024-11-01T10:00:00+08:00",
        "files": {role: name for role, (name, _) in files.items()},
        "sha256": {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    refresh(folder)
    return folder


Attestation = pb.SourceCancellationAttestation | pb.AccountingAdjustmentAttestation
ReceiptFault = Literal[
    "foreign-key", "bad-signature", "wrong-statement", "tampered-vintage-part", "version-1"
]


def _hub_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


@dataclass
class FakePartnerService(pb_grpc.PartnerServiceServicer):
    """The hub's PartnerService as the adapters see it, without the ledger.

    It speaks the signed wire: every write is a SignedPayload whose key must
    be registered (``keys``) for the partner the payload names, whose
    Ed25519 signature must verify, and whose sequence must be above the
    partner's last (``last_sequence``); otherwise the call fails with the
    hub's status and ErrorInfo code. Verdict batches carry a receipt signed
    with ``hub_signer`` (``receipt_fault`` spoils it, to test the client's
    check). Claims are accepted except record ids listed in ``reject``.
    """

    reject: dict[str, tuple[str, str]] = field(default_factory=dict)  # record_id → (code, field)
    keys: dict[str, tuple[str, PublicKey]] = field(default_factory=dict)  # key_id → (partner, key)
    last_sequence: dict[str, int] = field(default_factory=dict)
    hub_signer: Signer = field(default_factory=_hub_signer)
    receipt_fault: ReceiptFault | None = None
    signed: list[ledger_pb.SignedPayload] = field(default_factory=list)  # accepted, in order
    envelopes: list[pb.ClaimEnvelope] = field(default_factory=list)
    project_requests: list[pb.RegisterProjectsRequest] = field(default_factory=list)
    attestations: list[Attestation] = field(default_factory=list)
    receipts: list[ledger_pb.Receipt] = field(default_factory=list)  # as sent
    sequence_requests: list[str] = field(default_factory=list)
    streams: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def hub_key(self) -> PublicKey:
        return PublicKey(self.hub_signer.public_key)

    def register(self, partner: str, signer: Signer) -> None:
        self.keys[signer.key_id] = (partner, PublicKey(signer.public_key))

    def _open(self, signed: ledger_pb.SignedPayload, expected: PayloadType, message: M) -> M:
        """Check the signed write as the hub does; record it and advance the sequence."""
        if signed.payload_type != expected.value:
            raise InvalidRequest("PAYLOAD_TYPE_MISMATCH", f"expected {expected.value}")
        registered = self.keys.get(signed.key_id)
        if registered is None:
            raise Unauthenticated("SIGNATURE_KEY_UNKNOWN", f"no key {signed.key_id}")
        owner, key = registered
        message.ParseFromString(signed.payload)
        partner: str = getattr(message, "partner")  # noqa: B009 - every signed kind has one
        sequence: int = getattr(message, "sequence")  # noqa: B009
        if owner != partner:
            raise PermissionDenied("SIGNATURE_KEY_OF_ANOTHER_PARTNER", f"{owner}, not {partner}")
        if not key.verifies(signed.payload_type, signed.payload, signed.signature):
            raise Unauthenticated("SIGNATURE_INVALID", "the signature does not match")
        # Checked and advanced under the lock: two concurrent writes of one
        # partner must not both pass with the same number.
        with self.lock:
            last = self.last_sequence.get(partner, 0)
            if sequence <= last:
                raise FailedPrecondition(
                    "ENVELOPE_REPLAYED", f"sequence {sequence} is not above {last}"
                )
            self.last_sequence[partner] = sequence
            self.signed.append(signed)
        return message

    def _receipt(self, partner: str, batch: pb.VerdictBatch) -> pb.VerdictBatch:
        signer = ReceiptSigner(self.hub_signer)
        if self.receipt_fault == "foreign-key":
            signer = ReceiptSigner(_hub_signer())
        if self.receipt_fault == "wrong-statement":
            # Signed by the hub key, but over verdicts other than those sent.
            altered = pb.VerdictBatch()
            altered.CopyFrom(batch)
            altered.verdicts[0].credited_tco2e = "1000000"
            signer.sign_verdict_batch(partner, altered)
            batch.receipt.CopyFrom(altered.receipt)
        elif self.receipt_fault == "tampered-vintage-part":
            # Signed over a claim issued in two calendar vintages; the 2024
            # part's tonnes are changed on the way, the total left as signed.
            batch.verdicts[0].vintage_parts.add(vintage=2023, credited_tco2e="0.4")
            batch.verdicts[0].vintage_parts.add(vintage=2024, credited_tco2e="0.6")
            signer.sign_verdict_batch(partner, batch)
            batch.verdicts[0].vintage_parts[1].credited_tco2e = "6"
        elif self.receipt_fault == "version-1":
            # What a hub signed before statements had versions.
            batch.receipt.CopyFrom(signer.receipt(verdict_batch_statement(partner, batch, 1)))
        else:
            signer.sign_verdict_batch(partner, batch)
        if self.receipt_fault == "bad-signature":
            batch.receipt.signature = bytes(64)
        with self.lock:
            self.receipts.append(batch.receipt)
        return batch

    def SubmitClaims(self, request_iterator, context):  # type: ignore[no-untyped-def]
        with self.lock:
            self.streams += 1
        try:
            for signed in request_iterator:
                envelope = self._open(signed, PayloadType.CLAIM_ENVELOPE, pb.ClaimEnvelope())
                with self.lock:
                    self.envelopes.append(envelope)
                verdicts = [self._verdict(claim) for claim in envelope.claims]
                batch = pb.VerdictBatch(sequence=envelope.sequence, verdicts=verdicts)
                yield self._receipt(envelope.partner, batch)
        except HubError as error:
            abort(context, error)

    def _verdict(self, claim: pb.Claim) -> pb.Verdict:
        with self.lock:
            seen_before = sum(
                1 for e in self.envelopes for c in e.claims if c.record_id == claim.record_id
            )
        if claim.record_id in self.reject:
            code, name = self.reject[claim.record_id]
            return pb.Verdict(
                record_id=claim.record_id,
                claim_id=f"C-{claim.record_id}",
                decision=pb.DECISION_REJECTED,
                checks=[
                    pb.CheckResult(
                        code=code,
                        severity=pb.SEVERITY_ERROR,
                        message_en=f"{code} on {claim.record_id}",
                        details={"field": name} if name else {},
                    )
                ],
            )
        return pb.Verdict(
            record_id=claim.record_id,
            claim_id=f"C-{claim.record_id}",
            decision=pb.DECISION_ACCEPTED,
            resubmission=seen_before > 1,
            reported_tco2e=claim.reported_tco2e,
            recomputed_tco2e=claim.reported_tco2e,
            credited_tco2e=claim.reported_tco2e,
        )

    def GetPartnerSequence(self, request, context):  # type: ignore[no-untyped-def]
        with self.lock:
            self.sequence_requests.append(request.partner)
            last = self.last_sequence.get(request.partner, 0)
        return pb.PartnerSequence(partner=request.partner, last_sequence=last)

    def RegisterProjects(self, signed, context):  # type: ignore[no-untyped-def]
        try:
            request = self._open(signed, PayloadType.PROJECTS, pb.RegisterProjectsRequest())
        except HubError as error:
            abort(context, error)
        self.project_requests.append(request)
        return pb.RegisterProjectsResponse(
            results=[
                pb.ProjectResult(
                    project_id=p.project_id,
                    decision=pb.DECISION_ACCEPTED,
                    # Like a bureau-review partner: stored, waiting for the bureau.
                    review_state=pb.PROJECT_REVIEW_STATE_SUBMITTED,
                )
                for p in request.projects
            ]
        )

    def AttestSourceCancellation(self, signed, context):  # type: ignore[no-untyped-def]
        return self._attest(
            signed, PayloadType.SOURCE_CANCELLATION, pb.SourceCancellationAttestation(), context
        )

    def AttestAccountingAdjustment(self, signed, context):  # type: ignore[no-untyped-def]
        return self._attest(
            signed,
            PayloadType.ACCOUNTING_ADJUSTMENT,
            pb.AccountingAdjustmentAttestation(),
            context,
        )

    def _attest(
        self,
        signed: ledger_pb.SignedPayload,
        expected: PayloadType,
        message: Attestation,
        context: grpc.ServicerContext,
    ) -> pb.AttestationResult:
        try:
            attestation = self._open(signed, expected, message)
        except HubError as error:
            abort(context, error)
        with self.lock:
            self.attestations.append(attestation)
        return pb.AttestationResult(accepted=True)


@dataclass
class FakeHub:
    service: FakePartnerService
    address: str
    folder: Path  # where the key files of this hub's partners are written

    @property
    def hub_key(self) -> PublicKey:
        return self.service.hub_key

    def signer(self, partner: str) -> Signer:
        """A new signing key of ``partner``, registered with the fake hub."""
        signer = Signer(Ed25519PrivateKey.generate())
        self.service.register(partner, signer)
        return signer

    def signing_key_file(self, partner: str) -> Path:
        """A registered key pair written as ``keygen`` writes one; returns the private key file."""
        folder = self.folder / partner
        write_ed25519_keypair(folder / "signing.key", folder / "signing.pub")
        self.service.register(partner, Signer.from_file(folder / "signing.key"))
        return folder / "signing.key"

    def hub_key_file(self) -> Path:
        """The fake hub's receipt key as a public key file (what ``--hub-key`` takes)."""
        path = self.folder / "hub-signing.pub"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            self.service.hub_signer.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return path
