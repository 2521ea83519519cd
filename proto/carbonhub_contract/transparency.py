"""Checking the hub's transparency log from the documented hashing alone.

Written from docs/transparency-log.md (sections 2, 3 and 5), not from the
hub's code, so that a partner, or anyone holding the hub's public key, checks
what the hub says it logged without trusting the hub's implementation:

* a leaf is SHA-256(0x00 || the event's canonical bytes), a node
  SHA-256(0x01 || left || right) (RFC 9162 section 2.1.1);
* an inclusion proof is walked from the leaf to the signed root
  (RFC 9162 section 2.1.3.2), a consistency proof from the earlier root to
  both (section 2.1.4.2);
* a tree head is the hub's Ed25519 signature over DSSE v1
  PAE(TREE_HEAD_PAYLOAD_TYPE, statement), the statement canonical JSON of
  ``at``, ``root_hash`` (hex) and ``tree_size``; its fields are trusted only
  once the statement rebuilt from them is the one signed.

Hashing is the standard library's; the signature check is the contract's
(``signing.PublicKey``, the ``cryptography`` package). A failure is a
ProofFailed carrying one ProofFailure code (the partner kit words it in the
partner's language).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from carbonhub_contract.signing import PublicKey

__all__ = [
    "TREE_HEAD_PAYLOAD_TYPE",
    "LoggedEvent",
    "ProofFailed",
    "ProofFailure",
    "TreeHead",
    "check_tree_head",
    "leaf_hash",
    "node_hash",
    "read_event",
    "root_from_inclusion",
    "verify_consistency",
    "verify_inclusion",
]

TREE_HEAD_PAYLOAD_TYPE = "application/vnd.carbonhub.audit-tree-head+json"
HASH_SIZE = 32
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_HEX = re.compile(r"[0-9a-f]{64}")
_EVENT_KEYS = frozenset(("actor", "at", "details", "event", "seq", "subject_id", "subject_kind"))
_HEAD_KEYS = frozenset(
    ("tree_size", "root_hash", "at", "key_id", "payload_type", "statement", "signature")
)


class ProofFailure(StrEnum):
    """Why a proof, a tree head or an event does not hold. Stable codes."""

    TREE_HEAD_MALFORMED = "TREE_HEAD_MALFORMED"  # not a tree head as documented
    TREE_HEAD_STATEMENT_MISMATCH = "TREE_HEAD_STATEMENT_MISMATCH"  # fields != signed statement
    TREE_HEAD_KEY_UNKNOWN = "TREE_HEAD_KEY_UNKNOWN"  # signed under a key not given
    TREE_HEAD_SIGNATURE_INVALID = "TREE_HEAD_SIGNATURE_INVALID"
    EVENT_MALFORMED = "EVENT_MALFORMED"  # not canonical JSON of an audit event
    EVENT_NOT_THE_CLAIM = "EVENT_NOT_THE_CLAIM"  # names another subject, seq or partner
    EVENT_DECISION_DIFFERS = "EVENT_DECISION_DIFFERS"  # not the decision the verdict reported
    INCLUSION_PROOF_INVALID = "INCLUSION_PROOF_INVALID"  # the path does not reach the root
    CONSISTENCY_PROOF_INVALID = "CONSISTENCY_PROOF_INVALID"  # the later tree rewrote the earlier
    TREE_HEAD_OLDER = "TREE_HEAD_OLDER"  # the hub answered a smaller tree than one kept


class ProofFailed(Exception):
    """A proof, tree head or event that does not hold: its code and what."""

    def __init__(self, code: ProofFailure, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _hashes(path: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in path)


def root_from_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, audit_path: Sequence[bytes]
) -> bytes | None:
    """The root ``audit_path`` leads to from ``leaf`` at ``leaf_index`` in a
    tree of ``tree_size``; None when the path cannot be one of that tree
    (too long, too short, an index outside it)."""
    if not (0 <= leaf_index < tree_size) or not _hashes(audit_path):
        return None
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in audit_path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, audit_path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    return root_from_inclusion(leaf, leaf_index, tree_size, audit_path) == root


def verify_consistency(
    first: int, second: int, path: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 section 2.1.4.2: the tree of ``second`` leaves extends the one of ``first``."""
    if not (0 < first <= second) or not _hashes(path):
        return False
    if first == second:
        return not path and first_root == second_root
    proof = list(path)
    if first & (first - 1) == 0:  # a power of two: the earlier root is a node of the later tree
        proof = [first_root, *proof]
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def _canonical(data: Mapping[str, Any], *, ascii_only: bool) -> bytes:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only)
    return text.encode("ascii" if ascii_only else "utf-8")


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A signed tree head as the hub publishes it (section 3); unchecked until
    ``check_tree_head`` says so."""

    tree_size: int
    root_hash: bytes  # 32 bytes
    at: str  # YYYY-MM-DDTHH:MM:SS.ffffffZ
    key_id: str
    signature: bytes
    payload_type: str = TREE_HEAD_PAYLOAD_TYPE
    statement: bytes | None = None  # as received; None: rebuilt from the fields

    def signed_statement(self) -> bytes:
        """The statement the fields stand for (what the signature must cover)."""
        return _canonical(
            {"at": self.at, "root_hash": self.root_hash.hex(), "tree_size": self.tree_size},
            ascii_only=True,
        )

    def published(self) -> dict[str, Any]:
        """The JSON the hub's HTTP API publishes (a file --keep-tree-head keeps)."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "at": self.at,
            "key_id": self.key_id,
            "payload_type": self.payload_type,
            "statement": self.signed_statement().decode("ascii"),
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_published(cls, data: object) -> TreeHead:
        """A tree head read from its published JSON (parsed); strict."""
        if not isinstance(data, dict) or set(data) != _HEAD_KEYS:
            raise ProofFailed(
                ProofFailure.TREE_HEAD_MALFORMED,
                f"a tree head is a JSON object of {', '.join(sorted(_HEAD_KEYS))}",
            )
        size, root, at = data["tree_size"], data["root_hash"], data["at"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ProofFailed(ProofFailure.TREE_HEAD_MALFORMED, "tree_size: a whole number from 1")
        if not isinstance(root, str) or not _HEX.fullmatch(root):
            raise ProofFailed(ProofFailure.TREE_HEAD_MALFORMED, "root_hash: 64 lower-case hex")
        texts = (at, data["key_id"], data["payload_type"], data["statement"], data["signature"])
        if not all(isinstance(t, str) for t in texts):
            raise ProofFailed(ProofFailure.TREE_HEAD_MALFORMED, "its other members are text")
        try:
            signature = base64.b64decode(data["signature"], validate=True)
            statement = data["statement"].encode("ascii")
        except (binascii.Error, ValueError, UnicodeEncodeError) as error:
            raise ProofFailed(ProofFailure.TREE_HEAD_MALFORMED, f"unreadable: {error}") from None
        return cls(
            size,
            bytes.fromhex(root),
            at,
            data["key_id"],
            signature,
            data["payload_type"],
            statement,
        )


def check_tree_head(head: TreeHead, keys: PublicKey | Iterable[PublicKey]) -> None:
    """Raise ProofFailed unless ``head`` is signed, as documented, by one of ``keys``."""
    if head.tree_size < 1 or len(head.root_hash) != HASH_SIZE or not _INSTANT.fullmatch(head.at):
        raise ProofFailed(
            ProofFailure.TREE_HEAD_MALFORMED,
            "a tree head has a size from 1, a 32-byte root and a time YYYY-MM-DDTHH:MM:SS.ffffffZ",
        )
    if head.payload_type != TREE_HEAD_PAYLOAD_TYPE:
        raise ProofFailed(
            ProofFailure.TREE_HEAD_MALFORMED,
            f"payload type {head.payload_type!r}, not {TREE_HEAD_PAYLOAD_TYPE}",
        )
    statement = head.signed_statement()
    if head.statement is not None and head.statement != statement:
        raise ProofFailed(
            ProofFailure.TREE_HEAD_STATEMENT_MISMATCH,
            "the signed statement is not the one its size, root and time stand for",
        )
    by_id = {k.key_id: k for k in ([keys] if isinstance(keys, PublicKey) else keys)}
    key = by_id.get(head.key_id)
    if key is None:
        raise ProofFailed(
            ProofFailure.TREE_HEAD_KEY_UNKNOWN,
            f"signed under {head.key_id}, not the hub key given ({', '.join(sorted(by_id))})",
        )
    if not key.verifies(TREE_HEAD_PAYLOAD_TYPE, statement, head.signature):
        raise ProofFailed(
            ProofFailure.TREE_HEAD_SIGNATURE_INVALID,
            f"the signature of the tree head of {head.tree_size} events does not verify "
            f"under {head.key_id}",
        )


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An audit event as its canonical bytes say (docs/audit-log.md section 2)."""

    seq: int
    subject_kind: str
    subject_id: str
    event: str
    actor: str
    at: str
    details: dict[str, str]


def read_event(data: bytes) -> LoggedEvent:
    """The event ``data`` is, when ``data`` is exactly its canonical bytes
    (sorted keys, no spaces, UTF-8): bytes that merely parse could hide a
    second reading of the same leaf."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProofFailed(ProofFailure.EVENT_MALFORMED, "the event is not UTF-8 JSON") from None
    if not isinstance(parsed, dict) or set(parsed) != _EVENT_KEYS:
        raise ProofFailed(
            ProofFailure.EVENT_MALFORMED,
            f"an event is a JSON object of {', '.join(sorted(_EVENT_KEYS))}",
        )
    seq, details = parsed["seq"], parsed["details"]
    texts = [parsed[k] for k in ("subject_kind", "subject_id", "event", "actor", "at")]
    if (
        not isinstance(seq, int)
        or isinstance(seq, bool)
        or seq < 1
        or not all(isinstance(t, str) for t in texts)
        or not isinstance(details, dict)
        or not all(isinstance(v, str) for v in details.values())
    ):
        raise ProofFailed(ProofFailure.EVENT_MALFORMED, "an event's members have other types")
    try:
        canonical = _canonical(parsed, ascii_only=False)
    except UnicodeEncodeError:  # a lone surrogate: never the bytes of valid text
        canonical = b""
    if canonical != data:
        raise ProofFailed(ProofFailure.EVENT_MALFORMED, "the event bytes are not canonical JSON")
    kind, subject, event, actor, at = texts
    return LoggedEvent(seq, kind, subject, event, actor, at, details)
