"""Opening a SignedPayload at the gRPC entrypoint: type, signature, bytes, caller.

The signature is verified over the exact bytes received before anything
parses them (DSSE: verify, then parse), so a tampered payload is
SIGNATURE_INVALID whether or not it still parses. Then the payload is parsed
here (protobuf types never leave the entrypoint), its fields are held to
their limits (hub.grpc_api.field_limits) and the caller's certificate must
name the partner the payload writes for. The key's validity, its partner
and the sequence are checked again by the service, inside the transaction
that records the write (hub.services.signed_writes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.domain.identity import Identity
from hub.domain.signed_payloads import SignedRecord
from hub.errors import InvalidRequest, PermissionDenied
from hub.grpc_api import field_checks

M = TypeVar("M", bound=Message)

MAX_SIGNATURE_BYTES = 64  # Ed25519

# (payload_type, payload, key_id, signature): raises a coded HubError unless
# the signature verifies under the registered key key_id.
SignatureCheck = Callable[[str, bytes, str, bytes], None]


def open_payload(
    signed: ledger_pb.SignedPayload,
    expected: PayloadType,
    message: M,
    caller: Identity,
    check_signature: SignatureCheck,
    *,
    items: str | None = None,
) -> tuple[M, SignedRecord]:
    """Check it is the expected kind, verify its signature, parse the payload
    into ``message``, hold its fields to their limits and check that the
    caller acts for its partner. ``items`` names the repeated field whose
    items the caller decides one by one (their limits are not checked here).
    Returns the message and the record the service authenticates and keeps."""
    if signed.payload_type != expected.value:
        raise InvalidRequest(
            "PAYLOAD_TYPE_MISMATCH",
            f"this call takes a signed {expected.value}, not {signed.payload_type or 'nothing'}",
            {"expected": expected.value, "payload_type": signed.payload_type[:200]},
        )
    if not signed.key_id.strip():
        raise InvalidRequest("FIELD_REQUIRED", "key_id is required", {"field": "key_id"})
    if not signed.signature or len(signed.signature) > MAX_SIGNATURE_BYTES:
        raise InvalidRequest(
            "SIGNATURE_MALFORMED",
            f"an Ed25519 signature is {MAX_SIGNATURE_BYTES} bytes, not {len(signed.signature)}",
            {"field": "signature"},
        )
    field_checks.check(signed)
    check_signature(signed.payload_type, signed.payload, signed.key_id, signed.signature)
    try:
        message.ParseFromString(signed.payload)
    except DecodeError as problem:
        raise InvalidRequest(
            "PAYLOAD_MALFORMED", f"the payload is not a {expected.value}: {problem}", {}
        ) from problem
    field_checks.check(message, skip=frozenset({items}) if items else frozenset())
    partner: str = getattr(message, "partner")  # noqa: B009 - every signed kind has one
    sequence: int = getattr(message, "sequence")  # noqa: B009
    if not partner.strip():
        raise InvalidRequest("FIELD_REQUIRED", "partner is required", {"field": "partner"})
    require_acts_for(caller, partner)
    record = SignedRecord(
        partner=partner,
        sequence=sequence,
        payload_type=expected,
        key_id=signed.key_id,
        payload=signed.payload,
        signature=signed.signature,
        # The service stamps its own clock when it records the write.
        received_at=datetime.now(UTC),
        signer=caller.subject,
    )
    return message, record


def require_acts_for(caller: Identity, partner: str) -> None:
    """A partner certificate reads and writes its own region only."""
    if not caller.acts_for(partner):
        raise PermissionDenied(
            "PARTNER_NOT_CALLER",
            f"this certificate ({caller.role.value} {caller.partner or caller.subject}) "
            f"may not act for {partner}",
            {"partner": partner[:64], "caller": caller.partner or caller.subject},
        )
