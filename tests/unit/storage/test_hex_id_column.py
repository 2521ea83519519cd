"""A claim id's stored form: 16 bytes for one the hub minted, and any other
text kept losslessly and never equal to an id's form."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from uuid6 import uuid7

from hub.storage.hex_id_column import id_bytes, id_text

CLAIM = uuid7().hex


def test_a_minted_claim_id_is_its_16_bytes() -> None:
    assert len(CLAIM) == 32
    assert id_bytes(CLAIM) == bytes.fromhex(CLAIM)
    assert id_text(bytes.fromhex(CLAIM)) == CLAIM
    assert id_text(memoryview(bytes.fromhex(CLAIM))) == CLAIM


@settings(max_examples=1000)
@given(st.one_of(st.text(), st.from_regex(r"[0-9a-fA-F ]{30,34}", fullmatch=True)))
def test_any_text_reads_back_as_itself(text: str) -> None:
    stored = id_bytes(text)
    assert id_text(stored) == text
    # Only the hub's own spelling takes the id's length.
    minted = len(text) == 32 and all(c in "0123456789abcdef" for c in text)
    assert (len(stored) == 16) is minted


def test_text_of_the_ids_length_is_not_taken_for_one() -> None:
    for text in ("x" * 15, "x" * 16, "甲" * 5, CLAIM.upper(), " " + CLAIM[1:]):
        stored = id_bytes(text)
        assert len(stored) != 16 and id_text(stored) == text


@settings(max_examples=300)
@given(st.lists(st.binary(min_size=16, max_size=16), min_size=2, max_size=20))
def test_ids_sort_as_their_digits_do(raw: list[bytes]) -> None:
    # Keyset pages and "ORDER BY claim_id" keep their order in the stored form.
    ids = [value.hex() for value in raw]
    assert [id_text(value) for value in sorted(id_bytes(i) for i in ids)] == sorted(ids)


def test_text_not_yet_converted_reads_as_itself() -> None:
    assert id_text(CLAIM) == CLAIM
    assert id_bytes(None) is None and id_text(None) is None
