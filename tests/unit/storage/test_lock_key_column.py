"""A lock key's stored form: a leading digest as its 32 bytes after one 0xFF
byte, any other key its UTF-8; every key reads back as itself."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.storage.lock_key_column import lock_key_bytes, lock_key_text

PERSON = hashlib.sha256(b"a person").hexdigest()


def test_keys_that_begin_with_a_digest_keep_its_bytes() -> None:
    person_period = f"{PERSON}|SZ-TRANSIT-METRO|"
    assert lock_key_bytes(person_period) == b"\xff" + bytes.fromhex(PERSON) + b"|SZ-TRANSIT-METRO|"
    assert lock_key_bytes(PERSON) == b"\xff" + bytes.fromhex(PERSON)  # content, person travel
    for key in (person_period, PERSON):
        assert lock_key_text(lock_key_bytes(key)) == key
        assert len(lock_key_bytes(key)) == len(key) - 31


def test_other_keys_are_their_utf8() -> None:
    for key in ("CN-GD|site|S-1", "GDPH-1", PERSON.upper(), PERSON + "x", PERSON[:63], "", "甲"):
        assert lock_key_bytes(key) == key.encode("utf-8")
        assert lock_key_text(lock_key_bytes(key)) == key


@settings(max_examples=1000)
@given(
    st.one_of(
        st.text(),
        st.builds(
            lambda d, rest: d + rest, st.from_regex(r"[0-9a-f]{64}", fullmatch=True), st.text()
        ),
    )
)
def test_any_key_reads_back_as_itself_and_distinct_keys_stay_distinct(key: str) -> None:
    stored = lock_key_bytes(key)
    assert lock_key_text(stored) == key
    assert lock_key_text(key) == key  # text not yet converted


@settings(max_examples=500)
@given(st.text(), st.text())
def test_equal_stored_forms_are_equal_keys(a: str, b: str) -> None:
    assert (lock_key_bytes(a) == lock_key_bytes(b)) is (a == b)
