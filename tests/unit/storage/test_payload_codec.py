"""The payload codec keeps bytes losslessly and refuses a codec it does not know."""

from __future__ import annotations

import os

import pytest

from hub.storage.payload_codec import (
    IDENTITY,
    ZLIB,
    DamagedPayload,
    UnknownPayloadCodec,
    decode_payload,
    encode_payload,
)


def test_repetitive_bytes_are_deflated_and_come_back_whole() -> None:
    payload = b"SZ-TRANSIT-METRO|GDREC" * 500
    codec, stored = encode_payload(payload)
    assert codec == ZLIB and len(stored) < len(payload) // 10
    assert decode_payload(codec, stored) == payload


def test_bytes_that_do_not_shrink_are_kept_as_they_are() -> None:
    payload = os.urandom(200)
    assert encode_payload(payload) == (IDENTITY, payload)
    assert encode_payload(b"") == (IDENTITY, b"")


def test_a_codec_of_a_newer_hub_is_refused_not_misread() -> None:
    with pytest.raises(UnknownPayloadCodec):
        decode_payload("zstd", b"\x28\xb5\x2f\xfd")


def test_a_deflated_payload_edited_or_cut_short_is_refused_not_misread() -> None:
    payload = b"SZ-TRANSIT-METRO|GDREC" * 500
    codec, stored = encode_payload(payload)
    for damaged in (
        stored + b"GARBAGE",
        stored[:-3],
        stored[:10],
        b"",
        stored[:2] + b"x" + stored[3:],
    ):
        with pytest.raises(DamagedPayload):
            decode_payload(codec, damaged)
