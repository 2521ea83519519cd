from __future__ import annotations

import pytest

from hub.domain.credit_codes import ALPHABET, check_character, is_valid

# Real published codes (their check characters are correct).
REAL = ["914403001922038216", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code: str) -> None:
    assert is_valid(code)


def test_check_character_is_computed_with_the_gb32100_weights() -> None:
    assert check_character("91440300192203821") == "6"
    assert check_character("91110000802100433") == "B"
    assert len(ALPHABET) == 31 and not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038217",  # wrong check character
        "91440300192203821",  # 17 characters
        "9144030019220382166",  # 19 characters
        "91440300I92203821X",  # I is not in the alphabet
        "914403001922038z16",  # lower case
        "91AB0300192203821X",  # positions 3-8 must be digits
        "",
    ],
)
def test_invalid_codes_fail(code: str) -> None:
    assert not is_valid(code)


def test_every_body_has_exactly_one_valid_check_character() -> None:
    body = "91440101MA59UQ0Q3"
    valid = [c for c in ALPHABET if is_valid(body + c)]
    assert valid == [check_character(body)]


def test_check_character_refuses_bad_bodies() -> None:
    with pytest.raises(ValueError):
        check_character("9144")
    with pytest.raises(ValueError):
        check_character("9144030019220382O")
