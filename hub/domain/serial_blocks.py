"""Shenzhen CER serial blocks: ``SZCER-{origin}-{methodology}-{vintage}-{project}-{first}-{last}``.

No official Shenzhen format is published (DESIGN.md §6), so the hub uses a
structured block that parses back unambiguously:

* origin: an ISO 3166-2 code (two segments, ``CN-GD``) or a 6-digit GB/T 2260
  code (one segment);
* methodology: the Shenzhen methodology id; every segment starts with a
  letter, so the first all-digit segment after it is the vintage;
* vintage: the year the monitoring period ended (4 digits);
* project: the account the units were issued to, read as everything between
  the vintage and the two unit numbers (project ids contain dashes); ``P``
  for personal behaviour;
* first, last: unit numbers, inclusive, one unit = 1 tCO2e, zero-padded to
  at least 6 digits so serials sort in unit order.

A *series* (everything before the unit numbers) is one numbering space:
blocks of one series never overlap, which the database guarantees.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PREFIX = "SZCER"
PERSONAL_PROJECT = "P"
_UNIT_WIDTH = 6

_ISO_ORIGIN = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}", re.ASCII)
_GBT_ORIGIN = re.compile(r"\d{6}", re.ASCII)
_METHODOLOGY_SEGMENT = re.compile(r"[A-Z][A-Z0-9]*", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_MAX_UNIT_DIGITS = 15
_UNITS = re.compile(rf"\d{{1,{_MAX_UNIT_DIGITS}}}", re.ASCII)
_PROJECT = re.compile(r"[0-9A-Za-z]+(-[0-9A-Za-z]+)*", re.ASCII)


class SerialFormatError(ValueError):
    """Why a serial is not a well-formed SZCER block."""


def project_token(account_id: str) -> str:
    """The serial's project field for an account id.

    Ids made only of letters, digits and single inner dashes are used as they
    are; anything else (spaces, CJK, dots) is replaced by ``H`` and 16 hex
    digits of its SHA-256, so a serial stays parseable; the block keeps the
    full account id beside it. An id spelled ``P`` is hashed too, so a project
    or site of that name never shares the personal-behaviour series.
    """
    if _PROJECT.fullmatch(account_id) and account_id != PERSONAL_PROJECT:
        return account_id
    return "H" + hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Series:
    """One numbering space of Shenzhen CER units."""

    origin: str
    methodology: str
    vintage: int
    project: str  # a project_token(); "P" for personal behaviour

    def __post_init__(self) -> None:
        if not (_ISO_ORIGIN.fullmatch(self.origin) or _GBT_ORIGIN.fullmatch(self.origin)):
            raise SerialFormatError(f"origin {self.origin!r} is not CN-XX or a GB/T 2260 code")
        segments = self.methodology.split("-")
        if not all(_METHODOLOGY_SEGMENT.fullmatch(s) for s in segments):
            raise SerialFormatError(
                f"methodology {self.methodology!r}: every segment must start with a letter"
            )
        if not 1000 <= self.vintage <= 9999:
            raise SerialFormatError(f"vintage {self.vintage} is not a 4-digit year")
        if not _PROJECT.fullmatch(self.project):
            raise SerialFormatError(f"project field {self.project!r} is malformed")

    @property
    def key(self) -> str:
        return f"{PREFIX}-{self.origin}-{self.methodology}-{self.vintage}-{self.project}"


@dataclass(frozen=True, slots=True)
class SerialRange:
    """A block of consecutive units of one series, inclusive of both ends."""

    series: Series
    first: int
    last: int

    def __post_init__(self) -> None:
        if self.first < 1:
            raise SerialFormatError("unit numbers start at 1")
        if self.last < self.first:
            raise SerialFormatError(f"last unit {self.last} is below first unit {self.first}")
        # parse_serial reads at most this many digits; a longer number would
        # make a serial that does not parse back.
        if len(str(self.last)) > _MAX_UNIT_DIGITS:
            raise SerialFormatError(f"unit numbers have at most {_MAX_UNIT_DIGITS} digits")

    @property
    def units(self) -> int:
        return self.last - self.first + 1

    @property
    def serial(self) -> str:
        return f"{self.series.key}-{self.first:0{_UNIT_WIDTH}d}-{self.last:0{_UNIT_WIDTH}d}"

    def contains(self, other: SerialRange) -> bool:
        return self.series == other.series and self.first <= other.first and other.last <= self.last

    def overlaps(self, other: SerialRange) -> bool:
        return self.series == other.series and self.first <= other.last and other.first <= self.last

    def split(self, units: int) -> tuple[SerialRange, SerialRange]:
        """The first ``units`` units, and the rest. Both parts are non-empty."""
        if not 0 < units < self.units:
            raise ValueError(f"cannot split {units} units off a block of {self.units}")
        head = SerialRange(self.series, self.first, self.first + units - 1)
        tail = SerialRange(self.series, self.first + units, self.last)
        return head, tail


def parse_serial(text: str) -> SerialRange:
    """Parse an SZCER block; raises SerialFormatError saying what is wrong."""
    parts = text.strip().split("-")
    if len(parts) < 7 or parts[0] != PREFIX:
        raise SerialFormatError(
            "expected SZCER-{origin}-{methodology}-{vintage}-{project}-{first}-{last}"
        )
    if _GBT_ORIGIN.fullmatch(parts[1]):
        origin, rest = parts[1], parts[2:]
    else:
        origin, rest = f"{parts[1]}-{parts[2]}", parts[3:]
    year_at = next((i for i, segment in enumerate(rest) if _YEAR.fullmatch(segment)), None)
    if year_at is None or year_at == 0:
        raise SerialFormatError("no methodology followed by a 4-digit vintage")
    methodology = "-".join(rest[:year_at])
    project_parts = rest[year_at + 1 : -2]
    if not project_parts:
        raise SerialFormatError("the project field is missing")
    first_text, last_text = rest[-2], rest[-1]
    if not (_UNITS.fullmatch(first_text) and _UNITS.fullmatch(last_text)):
        raise SerialFormatError("the unit numbers must be digits")
    series = Series(origin, methodology, int(rest[year_at]), "-".join(project_parts))
    return SerialRange(series, int(first_text), int(last_text))
