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

from collections.abc import Mapping
from typing import Final

import msgpack  # type: ignore[import-untyped]

from hub.storage.hex_digest_column import hex_digits_of

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


def _packed_value(value: str) -> str | int | bytes:
    # String methods rather than regular expressions: this runs for every
    # value of every event appended (about 0.3 µs a value less).
    # Canonical decimal only ("0", or no leading zero); 18 digits stay under 2**63.
    if (
        value.isdigit()
        and value.isascii()
        and len(value) <= 18
        and (value[0] != "0" or len(value) == 1)
    ):
        return int(value)
    # Lower-case hex: only letters a-f beside digits, so a value with an upper
    # case letter or punctuation skips the (raising) conversion at once.
    if (
        len(value) >= 8
        and not len(value) & 1
        and value.isalnum()
        and (value.islower() or value.isdigit())
        and (raw := hex_digits_of(value)) is not None
    ):
        return raw
    return value


def pack_details(details: Mapping[str, str]) -> bytes:
    """The stored bytes of ``details`` (a map of strings)."""
    # msgpack.packb makes its packer per call, as claim bodies are packed: a
    # Packer shared between the server's threads is safe only in the C build.
    packed: bytes = msgpack.packb(
        {_CODE_OF.get(key, key): _packed_value(value) for key, value in details.items()},
        use_bin_type=True,
    )
    return packed


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
