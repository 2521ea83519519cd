"""Hub receipts: what the hub said, signed, so it can be proved later.

A receipt carries its statement as bytes (canonical JSON: UTF-8, keys
sorted, no insignificant whitespace) and the hub's Ed25519 signature over
DSSE v1 PAE(RECEIPT_TYPE, statement). The statement is built from the wire
message it accompanies, so anyone holding the message can rebuild it from
the proto alone and check that the receipt covers exactly that message:
``verify_verdict_batch``, ``verify_claim_status`` and ``verify_block`` do
both checks (signature, and statement == message).

What a statement covers: for verdicts, the partner, the envelope sequence and
per claim the record and claim ids, decision, state, the codes of every
check that fired, the tonnes (reported, recomputed, credited, carried), the
methodology, vintage and block serials. For blocks, every field of the block.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import RECEIPT_TYPE

# One encoder for every statement (json.dumps with arguments builds one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Mapping[str, Any]) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


# Enum names by number, read once: the descriptor lookup of Name() per
# verdict showed in the ingestion profile. A number outside them (a newer
# contract) still goes to Name(), which refuses it as before.
_DECISION_NAMES: dict[int, str] = {number: name for name, number in pb.Decision.items()}
_STATE_NAMES: dict[int, str] = {number: name for name, number in pb.ClaimState.items()}


def _decision_name(number: int) -> str:
    return _DECISION_NAMES.get(number) or pb.Decision.Name(number)


def _state_name(number: int) -> str:
    return _STATE_NAMES.get(number) or pb.ClaimState.Name(number)


def _verdict(verdict: pb.Verdict) -> dict[str, Any]:
    return {
        "record_id": verdict.record_id,
        "claim_id": verdict.claim_id,
        "decision": _decision_name(verdict.decision),
        "state": _state_name(verdict.state),
        "checks": [check.code for check in verdict.checks],
        "resubmission": verdict.resubmission,
        "methodology": verdict.methodology,
        "vintage": verdict.vintage,
        "reported_tco2e": verdict.reported_tco2e,
        "recomputed_tco2e": verdict.recomputed_tco2e,
        "credited_tco2e": verdict.credited_tco2e,
        "block_serials": list(verdict.block_serials),
        "carried_tco2e": verdict.carried_tco2e,
    }


def verdict_batch_statement(partner: str, batch: pb.VerdictBatch) -> bytes:
    return canonical_json(
        {
            "type": "carbonhub.v1.VerdictBatch",
            "partner": partner,
            "sequence": batch.sequence,
            "verdicts": [_verdict(v) for v in batch.verdicts],
        }
    )


def claim_status_statement(partner: str, verdict: pb.Verdict) -> bytes:
    return canonical_json(
        {"type": "carbonhub.v1.ClaimStatus", "partner": partner, "verdict": _verdict(verdict)}
    )


def block_statement(block: ledger_pb.Block) -> bytes:
    return canonical_json(
        {
            "type": "carbonhub.v1.Block",
            "block_id": block.block_id,
            "serial": block.serial,
            "origin": block.origin,
            "methodology": block.methodology,
            "vintage": block.vintage,
            "project": block.project,
            "first_unit": block.first_unit,
            "last_unit": block.last_unit,
            "units": block.units,
            "state": ledger_pb.BlockState.Name(block.state),
            "adjustment": {
                "reference": block.adjustment.reference,
                "status": ledger_pb.AdjustmentStatus.Name(block.adjustment.status),
            },
            "parent_block_id": block.parent_block_id,
            "issued_at": block.issued_at,
            "frozen": block.frozen,
        }
    )


class ReceiptSigner:
    """Signs receipts with the hub signing key."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    @property
    def key_id(self) -> str:
        return self._signer.key_id

    def receipt(self, statement: bytes) -> ledger_pb.Receipt:
        return ledger_pb.Receipt(
            key_id=self._signer.key_id,
            statement=statement,
            signature=self._signer.sign(RECEIPT_TYPE, statement),
        )

    def sign_verdict_batch(self, partner: str, batch: pb.VerdictBatch) -> pb.VerdictBatch:
        batch.receipt.CopyFrom(self.receipt(verdict_batch_statement(partner, batch)))
        return batch

    def sign_block(self, block: ledger_pb.Block) -> ledger_pb.Block:
        block.ClearField("receipt")
        block.receipt.CopyFrom(self.receipt(block_statement(block)))
        return block


@dataclass(frozen=True)
class ReceiptCheck:
    valid: bool
    reason: str  # empty when valid
    statement: dict[str, Any]


def verify_receipt(receipt: ledger_pb.Receipt, hub_key: PublicKey) -> ReceiptCheck:
    """Check the signature alone (the receipt as kept, without its message)."""
    try:
        statement = json.loads(receipt.statement.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ReceiptCheck(False, "RECEIPT_STATEMENT_MALFORMED", {})
    if not isinstance(statement, dict):
        return ReceiptCheck(False, "RECEIPT_STATEMENT_MALFORMED", {})
    if receipt.key_id != hub_key.key_id:
        return ReceiptCheck(False, "RECEIPT_KEY_UNKNOWN", statement)
    if not hub_key.verifies(RECEIPT_TYPE, receipt.statement, receipt.signature):
        return ReceiptCheck(False, "RECEIPT_SIGNATURE_INVALID", statement)
    return ReceiptCheck(True, "", statement)


def _covering(receipt: ledger_pb.Receipt, expected: bytes, hub_key: PublicKey) -> ReceiptCheck:
    check = verify_receipt(receipt, hub_key)
    if check.valid and receipt.statement != expected:
        return ReceiptCheck(False, "RECEIPT_DOES_NOT_MATCH_MESSAGE", check.statement)
    return check


def verify_verdict_batch(partner: str, batch: pb.VerdictBatch, hub_key: PublicKey) -> ReceiptCheck:
    return _covering(batch.receipt, verdict_batch_statement(partner, batch), hub_key)


def verify_claim_status(
    partner: str, response: pb.ClaimStatusResponse, hub_key: PublicKey
) -> ReceiptCheck:
    return _covering(response.receipt, claim_status_statement(partner, response.verdict), hub_key)


def verify_block(block: ledger_pb.Block, hub_key: PublicKey) -> ReceiptCheck:
    return _covering(block.receipt, block_statement(block), hub_key)


def receipt_from_json(line: str) -> ledger_pb.Receipt:
    """One kept receipt: {"key_id", "statement", "signature"} with base64 bytes."""
    kept = json.loads(line)
    return ledger_pb.Receipt(
        key_id=str(kept["key_id"]),
        statement=base64.b64decode(kept["statement"], validate=True),
        signature=base64.b64decode(kept["signature"], validate=True),
    )


def verify_receipt_file(path: Path, hub_key: PublicKey) -> list[ReceiptCheck]:
    """Check every receipt kept in a JSON-lines file (blank lines skipped)."""
    results: list[ReceiptCheck] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            receipt = receipt_from_json(line)
        except (ValueError, KeyError, TypeError, binascii.Error):
            results.append(ReceiptCheck(False, "RECEIPT_LINE_MALFORMED", {}))
            continue
        results.append(verify_receipt(receipt, hub_key))
    return results
