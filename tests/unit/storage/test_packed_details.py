"""Packed audit details read back as the very strings written, and only the
hub's own packing of a map reads as details (an edit is never read as them)."""

from __future__ import annotations

import re
from pathlib import Path

import msgpack  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.storage.packed_details import KEY_CODES, pack_details, unpack_details

CLAIM_EVENT = {
    "record_id": "GDBENCH000000001",
    "content_digest": "f987d36f745dc52df65e535ae1886a928d6e9c319a72f29d6ac4e03d8a05b7a7",
    "credited_tco2e": "0.003165",
    "sequence": "1",
    "points": "316",
    "points_platform": "GD-PHCER",
    "points_months": "120",
}

_values = st.one_of(
    st.text(),
    st.from_regex(r"[0-9a-fA-F]{0,70}", fullmatch=True),
    st.from_regex(r"[+-]?0*[0-9]{0,22}", fullmatch=True),
)
_keys = st.one_of(st.sampled_from(KEY_CODES), st.text())


@settings(max_examples=500)
@given(st.dictionaries(_keys, _values, max_size=8))
def test_any_map_of_strings_reads_back_whole_and_in_order(details: dict[str, str]) -> None:
    unpacked = unpack_details(pack_details(details))
    assert unpacked == details
    assert unpacked is not None and list(unpacked) == list(details)


def test_a_claim_event_packs_into_well_under_half_its_json() -> None:
    packed = pack_details(CLAIM_EVENT)
    assert len(packed) <= 85  # compact JSON: 222 bytes
    assert unpack_details(packed) == CLAIM_EVENT


def test_values_keep_their_exact_spelling() -> None:
    odd = {
        "a": "00000000",  # digits with a leading zero: hex, as bytes
        "b": "0",
        "c": "999999999999999999",  # 18 digits: an integer
        "d": "1000000000000000000",  # 19: a string
        "e": "ABCDEF0123456789",  # upper-case hex stays a string
        "f": "abcdef0",  # odd length
        "g": "abcdef01",  # eight hex digits: bytes
        "h": "٣",  # a digit, not ASCII
        "i": "",
    }
    assert unpack_details(pack_details(odd)) == odd


def test_other_spellings_of_the_same_map_are_not_details() -> None:
    pack = msgpack.Packer(use_bin_type=True).pack
    spellings = [
        pack({"record_id": "R-1"}),  # a key by name where it has a code
        pack({0: "316"}),  # a canonical integer as a string
        pack({0: b"\x01"}),  # bytes that spell a value packed otherwise ("01")
        pack({0: "R-1", "record_id": "R-1"}),  # a key twice
        b"\x81\x00\xd9\x03R-1",  # a short string with a wider header
        pack({0: 1.5}),
        pack({0: None}),
        b"\x81\x81\x00\x00\x00",  # a map where a key belongs
        pack({-1: "x"}),
        pack({len(KEY_CODES): "x"}),  # a code not (yet) in the table
        pack(["record_id", "R-1"]),
        pack_details({"record_id": "R-1"}) + b"\x00",  # trailing bytes
        b"",
        b"\xc1",
    ]
    for stored in spellings:
        assert unpack_details(stored) is None, stored


@settings(max_examples=400)
@given(position=st.integers(min_value=0), delta=st.integers(min_value=1, max_value=255))
def test_any_byte_changed_reads_as_other_details_or_none(position: int, delta: int) -> None:
    packed = bytearray(pack_details(CLAIM_EVENT))
    position %= len(packed)
    packed[position] = (packed[position] + delta) % 256
    assert unpack_details(bytes(packed)) != CLAIM_EVENT


def test_the_documented_key_codes_are_the_hubs() -> None:
    # docs/audit-log.md is what an outside verifier reads the packed rows by.
    page = (Path(__file__).parents[3] / "docs" / "audit-log.md").read_text(encoding="utf-8")
    table = dict((int(code), key) for code, key in re.findall(r"\| (\d+) \| `([a-z0-9_]+)` ", page))
    assert tuple(table[code] for code in range(len(table))) == KEY_CODES
    verifier = re.search(r"KEYS = \(  # section 1's key codes.*?\n(.*?)\)\.split\(\)", page, re.S)
    assert verifier is not None
    assert tuple("".join(re.findall(r'"([^"]*)"', verifier.group(1))).split()) == KEY_CODES


@settings(max_examples=1000)
@given(st.binary(max_size=64))
def test_any_bytes_read_as_details_or_none_never_an_error(stored: bytes) -> None:
    unpacked = unpack_details(stored)
    assert unpacked is None or pack_details(unpacked) == stored


def test_the_spelling_never_changes() -> None:
    # Rows already stored read as details only in exactly this spelling: a
    # change to the codes or the value rules would make them read as edited.
    assert pack_details(CLAIM_EVENT).hex() == (
        "87"  # a map of seven
        "00b0"
        + b"GDBENCH000000001".hex()
        + "01c420"
        + CLAIM_EVENT["content_digest"]
        + "02a8"
        + b"0.003165".hex()
        + "0301"
        + "04cd013c"
        + "05a8"
        + b"GD-PHCER".hex()
        + "0678"
    )
    assert KEY_CODES[:3] == ("record_id", "content_digest", "credited_tco2e")
    assert len(KEY_CODES) == 25 and KEY_CODES[-1] == "comment"


def test_the_worked_example_of_the_docs_packs_as_they_say() -> None:
    page = (Path(__file__).parents[3] / "docs" / "audit-log.md").read_text(encoding="utf-8")
    found = re.search(r"the\s+(\d+) bytes of MessagePack `([0-9a-f]+)`", page)
    assert found is not None
    packed = pack_details({"record_id": "GD-PV-001", "note": '屋顶光伏 "A"\n'})
    assert (int(found.group(1)), found.group(2)) == (len(packed), packed.hex())
