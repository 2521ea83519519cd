"""Partners' signed writes: what is signed, how, and the rules on keys and sequence.

A partner signs the serialized bytes of each write (a claim envelope, a
project registration, an attestation, a points redemption) with its Ed25519
key, over DSSE v1's pre-authentication encoding, so a signature made for
one kind of payload can never be replayed as another. The hub verifies the bytes as they arrived and
keeps them with the signature: that pair is the non-repudiable record.

Each payload carries the partner's sequence number, strictly increasing over
all the partner's signed writes, whatever stream or hub replica they reach:
a replayed or reordered payload is refused. Gaps are allowed, because a
refused payload consumes nothing.

The cryptography itself is behind SignatureVerifier (carbonhub_contract.signing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from carbonhub_contract.vocabulary.envelopes import PayloadType


class SignatureVerifier(Protocol):
    def __call__(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is a valid Ed25519 signature of ``message``."""
        ...


class KeyState(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


@dataclass(frozen=True, slots=True)
class PartnerKey:
    """A partner's public signing key as registered with its agreement.

    Rotation: register the new key, then give the old one a ``valid_until``
    some time ahead; while both are valid either verifies (the overlap window).
    A revoked key verifies nothing from the moment of revocation.
    """

    key_id: str
    partner: str
    public_key: bytes  # raw 32-byte Ed25519
    valid_from: datetime
    valid_until: datetime | None
    registered_at: datetime
    registered_by: str
    state: KeyState = KeyState.ACTIVE
    revoked_at: datetime | None = None
    reason: str = ""

    def usable_at(self, at: datetime) -> bool:
        if self.state is KeyState.REVOKED and self.revoked_at is not None and at >= self.revoked_at:
            return False
        if at < self.valid_from:
            return False
        return self.valid_until is None or at < self.valid_until


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A verified signed write, kept with the ledger change it made."""

    partner: str
    sequence: int
    payload_type: PayloadType
    key_id: str
    payload: bytes
    signature: bytes
    received_at: datetime
    signer: str  # who presented it (the certificate subject or the dev identity)
