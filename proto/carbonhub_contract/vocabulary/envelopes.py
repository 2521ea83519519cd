"""Signed writes on the wire: payload types, DSSE's pre-authentication
encoding and key ids, as partner and hub both compute them.

A partner signs the serialized bytes of each write with its Ed25519 key over
DSSE v1's pre-authentication encoding, so a signature made for one kind of
payload can never be replayed as another (docs/signing.md). Each payload
type is the full protobuf name of the message signed; a test keeps them
equal to the generated descriptors. Pure standard library.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum


class PayloadType(StrEnum):
    CLAIM_ENVELOPE = "carbonhub.v1.ClaimEnvelope"
    PROJECTS = "carbonhub.v1.RegisterProjectsRequest"
    SOURCE_CANCELLATION = "carbonhub.v1.SourceCancellationAttestation"
    ACCOUNTING_ADJUSTMENT = "carbonhub.v1.AccountingAdjustmentAttestation"
    POINTS_REDEMPTION = "carbonhub.v1.RedeemPointsRequest"


RECEIPT_TYPE = "application/vnd.carbonhub.receipt+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what is actually signed."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


KEY_ID_PREFIX = "ed25519:"
RAW_PUBLIC_KEY_BYTES = 32


class KeyInvalid(ValueError):
    """Not the 32 raw bytes of an Ed25519 public key."""


def key_id_of(raw_public_key: bytes) -> str:
    """``ed25519:`` + the first 16 hex digits of SHA-256 over the raw public key,
    so partner and hub derive the same id from the key alone."""
    if len(raw_public_key) != RAW_PUBLIC_KEY_BYTES:
        raise KeyInvalid(
            f"an Ed25519 public key is {RAW_PUBLIC_KEY_BYTES} bytes, not {len(raw_public_key)}"
        )
    return KEY_ID_PREFIX + hashlib.sha256(raw_public_key).hexdigest()[:16]
