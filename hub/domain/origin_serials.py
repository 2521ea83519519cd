"""Origin registry serial blocks, parsed into hub.domain.locks.OriginBlock.

Guangdong PHCER blocks are ``GDPH-{项目编号或P}-{年度}-{起始号}-{终止号}``,
inclusive of both ends, one unit per tCO2e; personal-behaviour blocks use
``P`` in place of the project id. Project ids contain dashes themselves
(``4401-PV-2023-0007``), so a block is read from the right: the last two
fields are the unit numbers, the one before is the year, everything
between the prefix and the year is the project id. The series, the
numbering space two blocks must not overlap in, is everything before the
two numbers.

Which format a partner uses is data (``origin_serial_format`` in its
agreement); a partner with none issues no origin credits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hub.domain.locks import OriginBlock

_DIGITS = re.compile(r"\d{1,12}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_PROJECT = re.compile(r"[0-9A-Za-z]+(-[0-9A-Za-z]+)*")


class SerialError(ValueError):
    """Why a serial is malformed."""


@dataclass(frozen=True, slots=True)
class ParsedSerial:
    block: OriginBlock
    project_id: str | None  # None for a personal-behaviour block (P)
    year: int


def parse_phcer(serial: str) -> ParsedSerial:
    """Parse a Guangdong PHCER block; raises SerialError."""
    text = serial.strip()
    parts = text.split("-")
    if len(parts) < 5 or parts[0] != "GDPH":
        raise SerialError("expected GDPH-{project or P}-{year}-{first}-{last}")
    first_text, last_text, year_text = parts[-2], parts[-1], parts[-3]
    if not (_DIGITS.fullmatch(first_text) and _DIGITS.fullmatch(last_text)):
        raise SerialError("the unit numbers must be digits")
    if not _YEAR.fullmatch(year_text):
        raise SerialError("the year must have four digits")
    project = "-".join(parts[1:-3])
    if not _PROJECT.fullmatch(project):
        raise SerialError("the project id is empty or malformed")
    first, last = int(first_text), int(last_text)
    if first < 1:
        raise SerialError("unit numbers start at 1")
    if last < first:
        raise SerialError("the last unit number is below the first")
    series = "-".join(parts[:-2])
    return ParsedSerial(
        block=OriginBlock(series=series, first=first, last=last),
        project_id=None if project == "P" else project,
        year=int(year_text),
    )


PARSERS: dict[str, Callable[[str], ParsedSerial]] = {"PHCER": parse_phcer}
