"""Partner date layouts → ISO 8601 local date or date-time.

Only the layout changes: the value stays in the partner's local time and
the adapter names the zone in ClaimSubmission.time_zone. A date that is not
a real calendar date (2024-02-30, 01/13/2024 read as DD/MM/YYYY) is
malformed, never guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DMY_DATETIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})$")


class DateMalformed(ValueError):
    """The text is not a date in the layout the partner's format promises."""


def _real_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateMalformed(f"'{text}' is not a calendar date ({exc})") from exc


def _real_datetime(parts: tuple[int, int, int, int, int, int], text: str) -> datetime:
    try:
        return datetime(*parts)
    except ValueError as exc:
        raise DateMalformed(f"'{text}' is not a calendar date-time ({exc})") from exc


def iso_from_ymd(text: str) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` → ``YYYY-MM-DD`` / ``YYYY-MM-DDTHH:MM:SS``."""
    if not text:
        raise DateMalformed("the date is blank")
    if m := _ISO_DATE.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]), text).isoformat()
    if m := _ISO_DATETIME.match(text):
        y, mo, d, h, mi, s = (int(g) for g in m.groups())
        return _real_datetime((y, mo, d, h, mi, s), text).isoformat(timespec="seconds")
    raise DateMalformed(f"'{text}' is not YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")


def iso_date_from_ymd(text: str) -> str:
    """``YYYY-MM-DD`` only (crediting periods) → the same, checked."""
    if not text:
        raise DateMalformed("the date is blank")
    if m := _ISO_DATE.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]), text).isoformat()
    raise DateMalformed(f"'{text}' is not YYYY-MM-DD")


def iso_from_dmy(text: str) -> str:
    """``DD/MM/YYYY`` or ``DD/MM/YYYY HH:MM`` → ``YYYY-MM-DD`` / ``YYYY-MM-DDTHH:MM:00``."""
    if not text:
        raise DateMalformed("the date is blank")
    if m := _DMY_DATE.match(text):
        return _real_date(int(m[3]), int(m[2]), int(m[1]), text).isoformat()
    if m := _DMY_DATETIME.match(text):
        d, mo, y, h, mi = (int(g) for g in m.groups())
        return _real_datetime((y, mo, d, h, mi, 0), text).isoformat(timespec="seconds")
    raise DateMalformed(f"'{text}' is not DD/MM/YYYY or DD/MM/YYYY HH:MM")
