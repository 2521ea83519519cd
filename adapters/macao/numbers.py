"""Macao quantities: the Portuguese and the Chinese way of writing a number.

pt_MO writes ``1 234 567,891`` (space, or a dot, between thousands; a comma
before the decimals), zh_Hant_MO ``1,234,567.891`` (CLDR). Both reach the hub
in one column, and the row carries no flag saying which: the number's own
separators say it. A decimal comma is never read as a thousands separator
(``12,5`` kg is twelve and a half, not 125).

Two spellings fit both ways and are refused, never guessed: one comma or one
dot followed by exactly three digits after a first group of one to three
digits not starting with 0 (``1,250`` is 1.25 in Portuguese and 1250 in
Chinese; ``1.250`` the other way round).
"""

from __future__ import annotations

import re

# Spaces a Portuguese number may use between thousands: space, no-break space,
# narrow no-break space (CLDR's pt grouping), thin space.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_SIGN = r"(?P<sign>[+-]?)"
# A number grouped in thousands starts with 1 to 3 digits, not with 0: 0.001
# is a decimal, never 0 thousand and 1.
_HEAD = r"[1-9]\d{0,2}"
_PT_SPACE = re.compile(_SIGN + rf"(?P<int>{_HEAD}(?: \d{{3}})+)(?:,(?P<frac>\d+))?", re.ASCII)
_PT_DOT = re.compile(_SIGN + rf"(?P<int>{_HEAD}(?:\.\d{{3}})+)(?:,(?P<frac>\d+))?", re.ASCII)
_PT_PLAIN = re.compile(_SIGN + r"(?P<int>\d+),(?P<frac>\d+)", re.ASCII)
_ZH_GROUPED = re.compile(_SIGN + rf"(?P<int>{_HEAD}(?:,\d{{3}})+)(?:\.(?P<frac>\d+))?", re.ASCII)
_ZH_PLAIN = re.compile(_SIGN + r"(?P<int>\d+)(?:\.(?P<frac>\d+))?", re.ASCII)
# One separator, three digits after it, a first group that could be thousands.
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}", re.ASCII)


class QuantityAmbiguous(ValueError):
    """The number reads as two different values in Portuguese and in Chinese."""


def plain_quantity(text: str) -> str:
    """The delivered quantity as the hub reads numbers: ``1 234,5`` → ``1234.5``.

    Raises QuantityAmbiguous for ``1,250`` / ``1.250``. Text that is not a
    number in either form (``abc``, ``1,2,3``, ``1e3``) is returned unchanged:
    the hub refuses it with QUANTITY_MALFORMED, as it would the same text from
    any partner (the adapter does not judge).
    """
    if _AMBIGUOUS.fullmatch(text):
        readings = (text.replace(".", "").replace(",", "."), text.replace(",", ""))
        raise QuantityAmbiguous(
            f"'{text}' reads as {readings[0]} (Portuguese) or {readings[1]} (Chinese); "
            "write it unambiguously, e.g. with decimals or without a separator"
        )
    spaced = _SPACES.sub(" ", text)
    for pattern, group_separator in (
        (_PT_SPACE, " "),
        (_PT_DOT, "."),
        (_PT_PLAIN, ""),
        (_ZH_GROUPED, ","),
        (_ZH_PLAIN, ""),
    ):
        if m := pattern.fullmatch(spaced):
            whole = m["int"].replace(group_separator, "") if group_separator else m["int"]
            frac = m["frac"]
            return f"{m['sign']}{whole}.{frac}" if frac else f"{m['sign']}{whole}"
    return text
