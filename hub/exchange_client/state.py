"""What the exchange knows, in one JSON file it owns.

The file is the exchange's whole memory: the cursor of the last event it
applied, the blocks it holds (by block id), the retirements it reported and
whether each block was acknowledged, and per block the hub's receipt (its
signed statement of the block as last applied here). It is rewritten after every applied
event, atomically (temp file in the same folder, fsync, os.replace, fsync of
the folder), so a crash at any point leaves either the old or the new file,
never a torn one; the cursor and the blocks in it always agree.

Format 2 added the receipts; a format-1 file (no receipts) still loads, its
blocks without one. Format 2 is written, so an older client refuses the file
by its format instead of failing on an unknown field.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

FORMAT_VERSION = 2
READABLE_FORMATS = frozenset({1, FORMAT_VERSION})  # 1: before receipts were kept


class BlockStatus(StrEnum):
    HELD = "HELD"  # tradable at the exchange
    RETIRED = "RETIRED"  # 注销/消纳: terminal
    CANCELLED = "CANCELLED"  # cancelled by the bureau: terminal
    SPLIT = "SPLIT"  # a partial retirement replaced it by a retired and a remainder block


class RetirementStatus(StrEnum):
    # PENDING is written before the call: after a crash the same retirement id
    # is reported again and the hub answers replay=true instead of retiring twice.
    PENDING = "PENDING"
    DONE = "DONE"
    REFUSED = "REFUSED"  # the hub said no (e.g. offset rules); never retried


class StateFileError(Exception):
    """The state file exists but cannot be read as an exchange state."""


@dataclass(frozen=True)
class ReceiptRecord:
    """The hub's receipt on a block, kept as received so it can be checked again later."""

    key_id: str
    statement: str  # base64 of the exact statement bytes the hub signed
    signature: str  # base64 of the Ed25519 signature

    @classmethod
    def of(cls, key_id: str, statement: bytes, signature: bytes) -> ReceiptRecord:
        return cls(
            key_id,
            base64.b64encode(statement).decode("ascii"),
            base64.b64encode(signature).decode("ascii"),
        )

    def statement_bytes(self) -> bytes:
        return base64.b64decode(self.statement, validate=True)

    def signature_bytes(self) -> bytes:
        return base64.b64decode(self.signature, validate=True)

    @classmethod
    def from_json(cls, data: Any) -> ReceiptRecord:
        record = cls(str(data["key_id"]), str(data["statement"]), str(data["signature"]))
        # Refuse a damaged receipt on load rather than when someone needs it.
        record.statement_bytes()
        record.signature_bytes()
        return record


@dataclass
class BlockRecord:
    block_id: str
    serial: str
    units: int
    vintage: int
    origin: str
    status: BlockStatus = BlockStatus.HELD
    frozen: bool = False
    acknowledged: bool = False
    parent_block_id: str = ""
    # The retirement policy decides once per received block; remainders of a
    # partial retirement are born decided, so repeated runs do not halve them again.
    policy_decided: bool = False
    # Made by a partial retirement (retired part or remainder), not received on the stream.
    from_retirement: bool = False
    # The hub's latest receipt on the block (from the last applied event or
    # retirement answer that changed it and carried one); None in format-1
    # files and while the hub sent it unsigned.
    receipt: ReceiptRecord | None = None


@dataclass
class RetirementRecord:
    retirement_id: str
    block_id: str
    units: int
    purpose: str  # RetirementPurpose name without prefix: ETS_OFFSET ...
    status: RetirementStatus = RetirementStatus.PENDING
    retired_block_id: str = ""
    remainder_block_id: str = ""
    refusal: str = ""


@dataclass
class ExchangeState:
    cursor: int = 0
    blocks: dict[str, BlockRecord] = field(default_factory=dict)
    retirements: dict[str, RetirementRecord] = field(default_factory=dict)
    # How many blocks the policy has numbered so far: "every 3rd block" counts
    # on across runs instead of restarting at each run.
    policy_position: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "cursor": self.cursor,
            "policy_position": self.policy_position,
            "blocks": {bid: asdict(b) for bid, b in sorted(self.blocks.items())},
            "retirements": {rid: asdict(r) for rid, r in sorted(self.retirements.items())},
        }

    @classmethod
    def from_json(cls, data: Any) -> ExchangeState:
        try:
            if data.get("format") not in READABLE_FORMATS:
                raise StateFileError(f"unknown state format {data.get('format')!r}")
            blocks = {}
            for bid, b in data["blocks"].items():
                fields = dict(b)
                receipt = fields.pop("receipt", None)
                record = BlockRecord(**fields)
                record.status = BlockStatus(record.status)
                if receipt is not None:
                    record.receipt = ReceiptRecord.from_json(receipt)
                blocks[bid] = record
            retirements = {}
            for rid, r in data["retirements"].items():
                retirement = RetirementRecord(**r)
                retirement.status = RetirementStatus(retirement.status)
                retirements[rid] = retirement
            return cls(
                cursor=int(data["cursor"]),
                blocks=blocks,
                retirements=retirements,
                policy_position=int(data["policy_position"]),
            )
        # ValueError covers bad base64 too (binascii.Error is one).
        except (AttributeError, KeyError, TypeError, ValueError) as problem:
            raise StateFileError(f"not an exchange state: {problem}") from problem

    def held(self) -> list[BlockRecord]:
        return sorted(
            (b for b in self.blocks.values() if b.status is BlockStatus.HELD),
            key=lambda b: b.serial,
        )


def load_state(path: Path) -> ExchangeState:
    """The state in ``path``; a missing file is a fresh exchange (cursor 0)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ExchangeState()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise StateFileError(f"{path}: not JSON: {problem}") from problem
    return ExchangeState.from_json(data)


def save_state(state: ExchangeState, path: Path) -> None:
    """Replace ``path`` by ``state`` atomically and durably."""
    payload = json.dumps(state.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as temp:
            temp.write(payload)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        # The old file is untouched until os.replace; only the temp file goes.
        Path(temp_name).unlink(missing_ok=True)
        raise
    # The rename itself must survive a power cut, not only the file's bytes.
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
