"""GB 32100-2015 unified social credit codes (统一社会信用代码).

18 characters from a 31-character alphabet (digits and capital letters
without I, O, S, V, Z). Positions 3-8 are the GB/T 2260 code of the
registering authority. The 18th character is a check character: with the
weights below, check = 31 - (sum of value x weight mod 31), where 31 maps to 0.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters.

    Raises ValueError when a character is outside the alphabet.
    """
    if len(first17) != 17:
        raise ValueError("a unified social credit code body has 17 characters")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed") from exc
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when ``code`` is 18 allowed characters with positions 3-8 digits and a correct check."""
    if len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    if not code[2:8].isdigit():
        return False
    return check_character(code[:17]) == code[17]
