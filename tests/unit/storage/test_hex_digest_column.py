"""A pseudonym's stored form: 32 bytes for a well-formed one, and any other
text kept losslessly and never equal to a digest's form."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.storage.hex_digest_column import digest_bytes, digest_text

DIGEST = hashlib.sha256(b"a person").hexdigest()


def test_a_well_formed_pseudonym_is_its_32_bytes() -> None:
    assert digest_bytes(DIGEST) == bytes.fromhex(DIGEST)
    assert digest_text(bytes.fromhex(DIGEST)) == DIGEST
    assert digest_text(memoryview(bytes.fromhex(DIGEST))) == DIGEST


@settings(max_examples=1000)
@given(st.one_of(st.text(), st.from_regex(r"[0-9a-fA-F]{60,66}", fullmatch=True)))
def test_any_text_reads_back_as_itself(text: str) -> None:
    stored = digest_bytes(text)
    assert digest_text(stored) == text
    # Only a well-formed pseudonym takes the digest's length.
    well_formed = len(text) == 64 and all(c in "0123456789abcdef" for c in text)
    assert (len(stored) == 32) is well_formed


def test_text_of_the_digests_length_is_not_taken_for_one() -> None:
    for text in ("x" * 31, "x" * 32, "甲" * 10 + "x", DIGEST.upper()):
        stored = digest_bytes(text)
        assert len(stored) != 32 and digest_text(stored) == text


def test_text_not_yet_converted_reads_as_itself() -> None:
    assert digest_text(DIGEST) == DIGEST
