"""Signing a partner's writes before they leave for the hub.

Every claim envelope, project registration and attestation travels as a
SignedPayload: the serialized message, signed with the partner's Ed25519
key (``carbon-hub-adapter keygen`` makes one; the bureau registers its
public key with the partner agreement). Each carries the next number of the
partner's sequence, which the hub requires to be strictly increasing; a
PartnerSigner starts from the hub's last accepted number (GetPartnerSequence)
so a restarted adapter never replays one. When another writer of the partner
(a second adapter run, another thread) advances the sequence meanwhile, the
hub refuses the overtaken write as ENVELOPE_REPLAYED; ``catch_up`` then moves
the signer past the hub's number so the write can be sent again.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import grpc

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType

UNARY_TIMEOUT = 30.0  # seconds: every unary call to the hub has a deadline


class SequencedMessage(Protocol):
    """A signed kind of message: it carries the partner's sequence."""

    sequence: int

    def SerializeToString(self, *, deterministic: bool = ...) -> bytes: ...


class PartnerSigner:
    """One partner's key and its sequence counter (thread-safe)."""

    def __init__(self, partner: str, signer: Signer, last_sequence: int = 0) -> None:
        self.partner = partner
        self._signer = signer
        self._last = last_sequence
        self._lock = threading.Lock()

    @classmethod
    def from_key_file(cls, partner: str, key_file: Path, channel: grpc.Channel) -> PartnerSigner:
        """The partner's key, numbering on from what the hub accepted last."""
        return cls.synced(partner, Signer.from_file(key_file), channel)

    @classmethod
    def synced(cls, partner: str, signer: Signer, channel: grpc.Channel) -> PartnerSigner:
        stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
        return cls(partner, signer, last_recorded_sequence(stub, partner))

    @property
    def key_id(self) -> str:
        return self._signer.key_id

    @property
    def last_sequence(self) -> int:
        return self._last

    def catch_up(self, last_recorded: int) -> None:
        """Number on above ``last_recorded``, the hub's last sequence of the partner.

        Never moves back: a number this signer gave may still be on its way
        in another thread's stream, and must not be given twice.
        """
        with self._lock:
            self._last = max(self._last, last_recorded)

    def sign(self, payload_type: PayloadType, message: SequencedMessage) -> ledger_pb.SignedPayload:
        """Give ``message`` the next sequence number, serialize and sign it."""
        with self._lock:
            self._last += 1
            message.sequence = self._last
        payload = message.SerializeToString()
        return ledger_pb.SignedPayload(
            payload_type=payload_type.value,
            payload=payload,
            key_id=self._signer.key_id,
            signature=self._signer.sign(payload_type.value, payload),
        )


def last_recorded_sequence(stub: pb_grpc.PartnerServiceStub, partner: str) -> int:
    """The last sequence the hub recorded for ``partner`` (GetPartnerSequence)."""
    answer: pb.PartnerSequence = stub.GetPartnerSequence(
        pb.GetPartnerSequenceRequest(partner=partner), timeout=UNARY_TIMEOUT
    )
    return int(answer.last_sequence)
