"""The hub's receipts on blocks, checked by the exchange from the proto alone.

Every Block the hub sends carries a Receipt: ``statement`` is canonical JSON
(UTF-8, keys sorted, no insignificant whitespace, non-ASCII kept as is) of
every field of the block but the receipt, and ``signature`` is Ed25519 over
DSSE v1 PAE("application/vnd.carbonhub.receipt+json", statement) under the
hub signing key (``hub-signing.pub`` in the hub PKI).

This is the exchange's own implementation, written from ledger.proto and not
shared with the hub: a bug on one side then shows as a refusal instead of
being agreed on by both. A block passes only when the key id is the hub
key's, the signature verifies, and the statement equals the one rebuilt here
from the block as received; a signature over some other statement proves
nothing about this block.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger

RECEIPT_TYPE = "application/vnd.carbonhub.receipt+json"
KEY_ID_PREFIX = "ed25519:"
BLOCK_STATEMENT_TYPE = "carbonhub.v1.Block"


class ReceiptProblem(StrEnum):
    """Why a block's receipt was refused (the codes the CLI reports)."""

    MISSING = "RECEIPT_MISSING"  # no receipt at all
    KEY_UNKNOWN = "RECEIPT_KEY_UNKNOWN"  # signed, but not under the hub key we trust
    SIGNATURE_INVALID = "RECEIPT_SIGNATURE_INVALID"  # the signature does not verify
    DOES_NOT_MATCH_MESSAGE = "RECEIPT_DOES_NOT_MATCH_MESSAGE"  # signed, but another block


class HubKeyError(ValueError):
    """The hub key file cannot be used: unreadable, not PEM, or not Ed25519."""


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: the bytes actually signed.

    Lengths are decimal byte counts, so no choice of type or body can make
    one (type, body) pair encode like another.
    """
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def canonical_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def key_id_of(raw_public_key: bytes) -> str:
    """``ed25519:`` + the first 16 hex digits of SHA-256 over the raw 32-byte key."""
    return KEY_ID_PREFIX + hashlib.sha256(raw_public_key).hexdigest()[:16]


class StatementUnavailable(ValueError):
    """The block holds a value this client cannot name (an enum number from a
    newer contract), so it cannot rebuild what the hub would have signed."""


def _enum_name(enum: Any, number: int, field: str) -> str:
    try:
        return str(enum.Name(number))
    except ValueError as unknown:
        message = f"{field} {number} is not in this client's ledger.proto"
        raise StatementUnavailable(message) from unknown


def block_statement(block: ledger.Block) -> bytes:
    """The statement the hub signs for ``block``: every field but the receipt.

    Enums by name (as in the proto), 64-bit integers as JSON numbers (Python
    ints, so uint64 values keep every digit).
    """
    return canonical_json(
        {
            "type": BLOCK_STATEMENT_TYPE,
            "block_id": block.block_id,
            "serial": block.serial,
            "origin": block.origin,
            "methodology": block.methodology,
            "vintage": block.vintage,
            "project": block.project,
            "first_unit": block.first_unit,
            "last_unit": block.last_unit,
            "units": block.units,
            "state": _enum_name(ledger.BlockState, block.state, "state"),
            "adjustment": {
                "reference": block.adjustment.reference,
                "status": _enum_name(
                    ledger.AdjustmentStatus, block.adjustment.status, "adjustment.status"
                ),
            },
            "parent_block_id": block.parent_block_id,
            "issued_at": block.issued_at,
            "frozen": block.frozen,
        }
    )


@dataclass(frozen=True)
class HubKey:
    """The hub's Ed25519 signing public key, the one receipts must be signed with."""

    public_key: Ed25519PublicKey

    @classmethod
    def from_raw(cls, raw: bytes) -> HubKey:
        try:
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except ValueError as problem:
            raise HubKeyError(f"not a raw Ed25519 public key: {problem}") from problem

    @classmethod
    def from_pem(cls, data: bytes) -> HubKey:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as problem:
            raise HubKeyError(f"not a PEM public key: {problem}") from problem
        if not isinstance(key, Ed25519PublicKey):
            raise HubKeyError(f"not an Ed25519 key ({type(key).__name__})")
        return cls(key)

    @classmethod
    def from_file(cls, path: Path) -> HubKey:
        """``hub-signing.pub`` of the hub PKI (PEM SubjectPublicKeyInfo)."""
        try:
            data = path.read_bytes()
        except OSError as problem:
            raise HubKeyError(f"{path}: {problem.strerror or problem}") from problem
        try:
            return cls.from_pem(data)
        except HubKeyError as problem:
            raise HubKeyError(f"{path}: {problem}") from problem

    @property
    def raw(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    def verifies(self, statement: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, pae(RECEIPT_TYPE, statement))
        except InvalidSignature:
            return False
        return True


def _has_receipt(block: ledger.Block) -> bool:
    if not block.HasField("receipt"):
        return False
    receipt = block.receipt
    # An empty Receipt message signs nothing: as good as none.
    return bool(receipt.key_id or receipt.statement or receipt.signature)


def check_block(block: ledger.Block, hub_key: HubKey) -> ReceiptProblem | None:
    """None when ``block``'s receipt is the hub's signature over exactly this block.

    The key id is compared first (a receipt under another key cannot be
    judged with ours), then the signature, then the statement against the
    one rebuilt from the block, so a block changed after signing is told
    apart from a forged signature.
    """
    if not _has_receipt(block):
        return ReceiptProblem.MISSING
    receipt = block.receipt
    if receipt.key_id != hub_key.key_id:
        return ReceiptProblem.KEY_UNKNOWN
    if not hub_key.verifies(receipt.statement, receipt.signature):
        return ReceiptProblem.SIGNATURE_INVALID
    try:
        expected = block_statement(block)
    except StatementUnavailable:
        # Fail closed: what the hub signed cannot be shown to be this block.
        return ReceiptProblem.DOES_NOT_MATCH_MESSAGE
    if receipt.statement != expected:
        return ReceiptProblem.DOES_NOT_MATCH_MESSAGE
    return None
