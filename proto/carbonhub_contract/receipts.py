"""Hub receipts: what the hub said, signed, so it can be proved later.

A receipt carries its statement as bytes (canonical JSON: UTF-8, keys
sorted, no insignificant whitespace) and the hub's Ed25519 signature over
DSSE v1 PAE(RECEIPT_TYPE, statement). The statement is built from the wire
message it accompanies, so anyone holding the message can rebuild it from
the proto alone and check that the receipt covers exactly that message:
``verify_verdict_batch``, ``verify_claim_status`` and ``verify_block`` do
both checks (signature, and statement == message).

What a statement covers: for verdicts, the partner, the envelope sequence and
per claim the record and claim ids, decision, state, the checks that fired,
the tonnes (reported, recomputed, credited, carried), the methodology,
vintage and block serials. For blocks, every field of the block.

Verdict statements are versioned (``version``; absent means 1), because a
partner keeps receipts for years and must still verify the old ones:

- version 1 (no ``version`` key): the checks by code only; no trace and no
  vintage parts;
- version 2 (``"version": 2``, what the hub signs now): every figure a
  dispute could turn on, also each check's severity and details, the trace
  (standard version, formula, inputs, factors with their values, years and
  sources, the discount) and the vintage parts of a claim issued per
  calendar year (each part's vintage, tonnes, block serials, carried part).

A receipt is verified against the version its own statement names, so a
version 1 receipt still verifies; ``ReceiptCheck.uncovered`` then names what
the message shows that its statement did not cover.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
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


# The version of the verdict statements the hub signs now; the versions a
# kit still verifies (a receipt is checked against the version it names).
STATEMENT_VERSION = 2
STATEMENT_VERSIONS = (1, 2)
# What a version 2 statement covers that a version 1 statement did not.
_SINCE_VERSION_2 = ("check_details", "trace", "vintage_parts")
_SEVERITY_NAMES: dict[int, str] = {number: name for name, number in pb.Severity.items()}


def _severity_name(number: int) -> str:
    return _SEVERITY_NAMES.get(number) or pb.Severity.Name(number)


def _check(check: pb.CheckResult) -> dict[str, Any]:
    # The messages are translations of the code and its details: not covered.
    return {
        "code": check.code,
        "severity": _severity_name(check.severity),
        "details": dict(check.details),
    }


def _trace(trace: pb.Trace) -> dict[str, Any]:
    return {
        "standard_version": trace.standard_version,
        "methodology": trace.methodology,
        "formula_id": trace.formula_id,
        "formula": trace.formula,
        "inputs": dict(trace.inputs),
        "factors": [
            {
                "factor_id": f.factor_id,
                "value": f.value,
                "unit": f.unit,
                "region": f.region,
                "year": f.year,
                "source": f.source,
                "provisional": f.provisional,
            }
            for f in trace.factors
        ],
        "discount": trace.discount,
        "notes": list(trace.notes),
    }


def _vintage_part(part: pb.VintagePart) -> dict[str, Any]:
    return {
        "vintage": part.vintage,
        "credited_tco2e": part.credited_tco2e,
        "block_serials": list(part.block_serials),
        "carried_tco2e": part.carried_tco2e,
    }


def _verdict(verdict: pb.Verdict, version: int = STATEMENT_VERSION) -> dict[str, Any]:
    covered = _verdict_v1(verdict)
    if version >= 2:
        covered["checks"] = [_check(check) for check in verdict.checks]
        covered["trace"] = _trace(verdict.trace) if verdict.HasField("trace") else None
        covered["vintage_parts"] = [_vintage_part(part) for part in verdict.vintage_parts]
    return covered


def _verdict_v1(verdict: pb.Verdict) -> dict[str, Any]:
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


def _versioned(statement: dict[str, Any], version: int) -> bytes:
    # Version 1 had no version key: its statements are rebuilt byte for byte.
    if version >= 2:
        statement["version"] = version
    return canonical_json(statement)


def verdict_batch_statement(
    partner: str, batch: pb.VerdictBatch, version: int = STATEMENT_VERSION
) -> bytes:
    return _versioned(
        {
            "type": "carbonhub.v1.VerdictBatch",
            "partner": partner,
            "sequence": batch.sequence,
            "verdicts": [_verdict(v, version) for v in batch.verdicts],
        },
        version,
    )


def claim_status_statement(
    partner: str, verdict: pb.Verdict, version: int = STATEMENT_VERSION
) -> bytes:
    return _versioned(
        {
            "type": "carbonhub.v1.ClaimStatus",
            "partner": partner,
            "verdict": _verdict(verdict, version),
        },
        version,
    )


def _uncovered(verdicts: Iterable[pb.Verdict], version: int) -> tuple[str, ...]:
    """What the verdicts show that a statement of ``version`` does not cover."""
    if version >= 2:
        return ()
    shown: set[str] = set()
    for verdict in verdicts:
        if any(check.severity or check.details for check in verdict.checks):
            shown.add("check_details")
        if verdict.HasField("trace"):
            shown.add("trace")
        if verdict.vintage_parts:
            shown.add("vintage_parts")
    return tuple(name for name in _SINCE_VERSION_2 if name in shown)


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
    # A verdict statement's version (1 when it names none); 0 for a block's
    # statement, which is not versioned.
    version: int = 0
    # What the message shows that the receipt's (older) statement version does
    # not cover: a dispute over those cannot rest on this receipt.
    uncovered: tuple[str, ...] = ()


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


def _covering_verdicts(
    receipt: ledger_pb.Receipt,
    expected: Callable[[int], bytes],
    verdicts: Sequence[pb.Verdict],
    hub_key: PublicKey,
) -> ReceiptCheck:
    """The receipt checked against the statement of the version it names."""
    check = verify_receipt(receipt, hub_key)
    if not check.valid:
        return check
    version = check.statement.get("version", 1)
    if type(version) is not int or version not in STATEMENT_VERSIONS:
        return ReceiptCheck(False, "RECEIPT_STATEMENT_VERSION_UNKNOWN", check.statement)
    if receipt.statement != expected(version):
        return ReceiptCheck(False, "RECEIPT_DOES_NOT_MATCH_MESSAGE", check.statement, version)
    return ReceiptCheck(True, "", check.statement, version, _uncovered(verdicts, version))


def verify_verdict_batch(partner: str, batch: pb.VerdictBatch, hub_key: PublicKey) -> ReceiptCheck:
    return _covering_verdicts(
        batch.receipt,
        lambda version: verdict_batch_statement(partner, batch, version),
        batch.verdicts,
        hub_key,
    )


def verify_claim_status(
    partner: str, response: pb.ClaimStatusResponse, hub_key: PublicKey
) -> ReceiptCheck:
    return _covering_verdicts(
        response.receipt,
        lambda version: claim_status_statement(partner, response.verdict, version),
        [response.verdict],
        hub_key,
    )


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
