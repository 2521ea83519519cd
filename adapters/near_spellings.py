"""The few known spellings nearest to a word the adapter did not recognise.

A row with an unknown district or parish names at most ``LIMIT`` near
spellings (difflib's ratio), never the whole vocabulary: the partner's
operator sees the likely typo, not a list of thirty names to scan.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

LIMIT = 3
CUTOFF = 0.6  # difflib's default: below it a spelling is not "near"


def near_spellings(
    value: str, spellings: Iterable[str], fold: Callable[[str], str] = str.casefold
) -> list[str]:
    """Up to LIMIT of ``spellings`` closest to ``value`` once both are folded, best first."""
    shown: dict[str, str] = {}
    for spelling in spellings:
        shown.setdefault(fold(spelling), spelling)
    found = difflib.get_close_matches(fold(value), list(shown), n=LIMIT, cutoff=CUTOFF)
    return [shown[key] for key in found]


def near_hint(
    value: str, spellings: Iterable[str], fold: Callable[[str], str] = str.casefold
) -> str:
    """`` (near: a, b)`` for a message, or "" when no spelling is near."""
    near = near_spellings(value, spellings, fold)
    return f" (near: {', '.join(near)})" if near else ""
