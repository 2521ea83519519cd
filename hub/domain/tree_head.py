"""Signed tree heads of the transparency log, and the leaf bytes of an audit
event (pure: base64, json, re).

A tree head is the hub's signature over (tree size, root hash, time) of the
RFC 9162 tree whose leaves are the audit events in seq order (leaf index =
seq - 1). Each leaf is the event's canonical bytes (docs/audit-log.md
section 2), the same bytes its chain hash covers, so the tree and the chain
vouch for exactly the same content, and the seq inside the bytes pins each
event to its place. The statement is canonical JSON

    {"at":"<RFC 3339 UTC, microseconds>","root_hash":"<64 hex>","tree_size":<n>}

signed with Ed25519 over the DSSE v1 encoding under TREE_HEAD_PAYLOAD_TYPE:
another payload type than the checkpoints' and the receipts', so no
signature of one kind ever passes for another. docs/transparency-log.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.audit_chain import ChainRow, canonical_event, is_hash, rfc3339

__all__ = [
    "TREE_HEAD_PAYLOAD_TYPE",
    "TreeHead",
    "TreeHeadFormatError",
    "leaf_bytes",
    "published_tree_head",
    "read_tree_head",
    "tree_head_statement",
]

TREE_HEAD_PAYLOAD_TYPE = "application/vnd.carbonhub.audit-tree-head+json"
_FIELDS = frozenset(
    ("tree_size", "root_hash", "at", "key_id", "payload_type", "statement", "signature")
)
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


class TreeHeadFormatError(ValueError):
    """Not a tree head as the hub publishes it."""


def tree_head_statement(tree_size: int, root_hash: str, at: datetime) -> bytes:
    text = json.dumps(
        {"at": rfc3339(at), "root_hash": root_hash, "tree_size": int(tree_size)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return text.encode("ascii")


@dataclass(frozen=True, slots=True)
class TreeHead:
    tree_size: int
    root_hash: str  # 64 lower-case hex digits
    at: datetime
    key_id: str
    signature: bytes

    def statement(self) -> bytes:
        return tree_head_statement(self.tree_size, self.root_hash, self.at)


def leaf_bytes(row: ChainRow) -> bytes | None:
    """The leaf an event is in the tree: its canonical bytes; None when the
    stored row does not read as an event (the chain verifier names it)."""
    if (
        row.seq is None
        or row.subject_kind is None
        or row.subject_id is None
        or row.event is None
        or row.actor is None
        or row.at is None
        or row.details is None
    ):
        return None
    return canonical_event(
        row.seq, row.subject_kind, row.subject_id, row.event, row.actor, row.at, row.details
    )


def published_tree_head(head: TreeHead) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "at": rfc3339(head.at),
        "key_id": head.key_id,
        "payload_type": TREE_HEAD_PAYLOAD_TYPE,
        "statement": head.statement().decode("ascii"),
        "signature": base64.b64encode(head.signature).decode("ascii"),
    }


def read_tree_head(data: object) -> TreeHead:
    """The tree head a published JSON object (parsed) stands for; strict."""
    if not isinstance(data, dict) or set(data) != _FIELDS:
        raise TreeHeadFormatError(f"a tree head is a JSON object of {', '.join(sorted(_FIELDS))}")
    size = data["tree_size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise TreeHeadFormatError("tree_size: a whole number from 1")
    root = data["root_hash"]
    if not is_hash(root):
        raise TreeHeadFormatError("root_hash: 64 lower-case hex digits")
    at_text = data["at"]
    if not isinstance(at_text, str) or not _INSTANT.fullmatch(at_text):
        raise TreeHeadFormatError("at: YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        at = datetime.fromisoformat(at_text[:-1] + "+00:00")
        signature = base64.b64decode(str(data["signature"]), validate=True)
    except (ValueError, binascii.Error) as error:
        raise TreeHeadFormatError(f"unreadable: {error}") from error
    if data["payload_type"] != TREE_HEAD_PAYLOAD_TYPE or not isinstance(data["key_id"], str):
        raise TreeHeadFormatError(f"payload_type: {TREE_HEAD_PAYLOAD_TYPE} expected")
    head = TreeHead(size, str(root), at, data["key_id"], signature)
    if data["statement"] != head.statement().decode("ascii"):
        raise TreeHeadFormatError("statement: not the canonical statement of its fields")
    return head
