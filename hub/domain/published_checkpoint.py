"""A signed audit checkpoint as published: the JSON object the disclosure API
serves and ``carbon-hub audit export-checkpoint`` writes (pure: base64, json, re).

    {"seq": 42,
     "head_hash": "<64 hex digits>",
     "at": "2026-11-24T08:00:00.000000Z",
     "key_id": "ed25519:<16 hex digits>",
     "payload_type": "application/vnd.carbonhub.audit-checkpoint+json",
     "statement": "<the signed statement's text: see checkpoint_statement>",
     "signature": "<standard base64 of the 64-byte Ed25519 signature>"}

``statement`` is redundant (it is rebuilt from seq, head_hash and at) and
is published so a reader sees exactly which bytes were signed; reading one
back, it must be those bytes. A checkpoint file holds one such object, or
a page of them (``{"items": [...], ...}`` as the list route serves it).
Reading is strict: a field missing, extra, of another type or spelled
otherwise than the hub writes it makes the whole file unusable, because a
checkpoint vouches for the log only as the exact bytes the hub signed.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from hub.domain.audit_chain import (
    CHECKPOINT_PAYLOAD_TYPE,
    Checkpoint,
    checkpoint_statement,
    is_hash,
    rfc3339,
)

__all__ = [
    "CheckpointFormatError",
    "checkpoints_of_document",
    "published",
    "read_published",
]

_FIELDS = frozenset(("seq", "head_hash", "at", "key_id", "payload_type", "statement", "signature"))
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_KEY_ID = re.compile(r"[!-~]{1,64}")  # printable ASCII, as the hub's key ids are
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class CheckpointFormatError(ValueError):
    """Not a checkpoint as the hub publishes it."""


def published(checkpoint: Checkpoint) -> dict[str, Any]:
    """The JSON object of ``checkpoint``: everything needed to verify it offline."""
    return {
        "seq": checkpoint.seq,
        "head_hash": checkpoint.head_hash,
        "at": rfc3339(checkpoint.at),
        "key_id": checkpoint.key_id,
        "payload_type": CHECKPOINT_PAYLOAD_TYPE,
        "statement": checkpoint.statement().decode("utf-8"),
        "signature": base64.b64encode(checkpoint.signature).decode("ascii"),
    }


def _instant(value: object) -> datetime:
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        raise CheckpointFormatError("at: write YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC, microseconds)")
    try:
        at = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError as error:
        raise CheckpointFormatError(f"at: {value} is no instant") from error
    return at


def read_published(data: object) -> Checkpoint:
    """The checkpoint a published JSON object (already parsed) stands for."""
    if not isinstance(data, dict):
        raise CheckpointFormatError("a checkpoint is a JSON object")
    missing = sorted(_FIELDS - data.keys())
    extra = sorted(str(name) for name in data.keys() - _FIELDS)
    if missing or extra:
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"unknown {', '.join(extra)}"] if extra else []
        raise CheckpointFormatError(f"fields: {'; '.join(said)}")
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise CheckpointFormatError("seq: a whole number from 1")
    head_hash = data["head_hash"]
    if not is_hash(head_hash):
        raise CheckpointFormatError("head_hash: 64 lower-case hex digits")
    at = _instant(data["at"])
    key_id = data["key_id"]
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise CheckpointFormatError("key_id: the signing key's id, e.g. ed25519:0123456789abcdef")
    if data["payload_type"] != CHECKPOINT_PAYLOAD_TYPE:
        raise CheckpointFormatError(f"payload_type: {CHECKPOINT_PAYLOAD_TYPE} expected")
    signature_text = data["signature"]
    if not isinstance(signature_text, str) or not _BASE64.fullmatch(signature_text):
        raise CheckpointFormatError("signature: standard base64")
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise CheckpointFormatError("signature: standard base64") from error
    checkpoint = Checkpoint(seq, str(head_hash), at, key_id, signature)
    if data["statement"] != checkpoint_statement(seq, str(head_hash), at).decode("utf-8"):
        raise CheckpointFormatError("statement: not the canonical statement of seq, head_hash, at")
    return checkpoint


def checkpoints_of_document(data: object) -> list[Checkpoint]:
    """The checkpoints of a checkpoint file: one published object, or a page
    ``{"items": [...]}`` of at least one. Which item is bad is said."""
    if isinstance(data, dict) and "items" in data:
        items = data["items"]
        if not isinstance(items, list) or not items:
            raise CheckpointFormatError("items: a list of at least one checkpoint")
        found = []
        for index, item in enumerate(items):
            try:
                found.append(read_published(item))
            except CheckpointFormatError as error:
                raise CheckpointFormatError(f"items[{index}]: {error}") from error
        return found
    return [read_published(data)]
