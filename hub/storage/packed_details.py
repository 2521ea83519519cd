"""An audit event's ``details`` packed for storage (``ledger_events.packed``).

The details of every event are a flat map of strings (hub.domain.audit_chain
hashes them in canonical JSON, whatever the stored form). Stored as compact
JSON they were the largest part of the audit log: about 220 bytes for a
claim's event, most of it key names, quotes and a content digest spelled in
64 hex digits. Packed, the same map is about 80 bytes (migration 0025):

* a MessagePack (https://msgpack.org) map, in the details' own key order;
* a key in ``KEY_CODES`` is written as its position there (one byte), any
  other key as its string;
* a value of lower-case hex digits, an even number of them and at least
  eight, as those bytes (MessagePack ``bin``); a value that spells a
  non-negative integer in canonical decimal (no sign, no leading zero, at
  most 18 digits) as that integer; any other value as its string.

Each form reads back as exactly one string, so unpacking is lossless; and
since a map has many byte spellings in MessagePack (a key code or its name,
wider length headers), only the hub's own spelling is read as details: the
stored bytes must be exactly what packing the unpacked map gives, the rule
compact JSON had (hub.storage.audit_repository.decode_details). An edited
row that keeps the meaning but not the bytes is still an edited row.

The spelling is fixed for good, ``KEY_CODES`` and the value rules alike
(docs/audit-log.md lists them): since only the hub's own spelling reads as
details, a key given a code later would make every row that spelled it as a
string read as edited. A key the hub starts writing later is written as its
string; another spelling would need its own marker and reader.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Final

import msgpack  # type: ignore[import-untyped]

__all__ = ["KEY_CODES", "pack_details", "unpack_details"]

KEY_CODES: Final[tuple[str, ...]] = (
    "record_id",
    "content_digest",
    "credited_tco2e",
    "sequence",
    "points",
    "points_platform",
    "points_months",
    "points_uncapped",
    "partner",
    "key_id",
    "seq",
    "field",
    "block_id",
    "project_id",
    "serial",
    "reference",
    "reason",
    "from",
    "units",
    "tree_size",
    "state",
    "person",
    "issuance_id",
    "claim_id",
    "comment",
)
_CODE_OF: Final = {key: code for code, key in enumerate(KEY_CODES)}


def pack_details(details: Mapping[str, str]) -> bytes:
    """The stored bytes of ``details`` (a map of strings)."""
    # One flat loop: this runs for every event appended and, to check a
    # row's spelling, every event read; a Python call per value cost more
    # than the value's own work (callgrind, docs/ingestion-profile.md,
    # sixteenth round).
    packed: dict[int | str, str | int | bytes] = {}
    for key, value in details.items():
        size = len(value)
        item: str | int | bytes = value
        # Canonical decimal only ("0", or no leading zero); 18 digits stay under 2**63.
        if value.isdigit() and value.isascii():
            if size <= 18 and (size == 1 or value[0] != "0"):
                item = int(value)
            elif size >= 8 and not size & 1:
                item = bytes.fromhex(value)  # digits only: lower-case hex
        # Lower-case hex: only letters a-f beside digits, so a value with an
        # upper case letter or punctuation skips the conversion at once.
        elif size >= 8 and not size & 1 and value.isalnum() and value.islower():
            try:
                raw = bytes.fromhex(value)
            except ValueError:
                pass
            else:
                if raw.hex() == value:
                    item = raw
        packed[_CODE_OF.get(key, key)] = item
    stored: bytes = _packer().pack(packed)
    return stored


# A packer per thread: one shared between the server's threads is safe only
# in msgpack's C build, and one made per call (msgpack.packb) cost 9.0 k
# instructions against 6.4 k (callgrind, a claim's event).
_local = threading.local()


def _packer() -> msgpack.Packer:
    packer: msgpack.Packer | None = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True)
    return packer


def unpack_details(stored: bytes) -> dict[str, str] | None:
    """The details packed in ``stored``; None unless they are a map the hub
    would have packed into exactly these bytes."""
    try:
        data = msgpack.unpackb(stored, raw=False, strict_map_key=False, use_list=False)
    # TypeError: a map or list where a key belongs (unhashable), as an edit can make.
    except (ValueError, TypeError, OverflowError, msgpack.UnpackException):
        return None
    if not isinstance(data, dict):
        return None
    details: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(KEY_CODES):
            name = KEY_CODES[key]
        elif isinstance(key, str):
            name = key
        else:
            return None
        if isinstance(value, bytes):
            text = value.hex()
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = value
        else:
            return None
        if name in details:
            return None
        details[name] = text
    # Only the hub's own spelling: a key's name where it has a code, a
    # number as a string, wider headers ... all unpack alike but are edits.
    if pack_details(details) != stored:
        return None
    return details
