"""Macao date layouts → ISO 8601 local date or date-time (Asia/Macau).

pt_MO writes ``20/03/2025`` (day first, always), zh_Hant_MO ``2025年3月20日``
(CLDR); Macao's exports add ``HH:MM`` to the day-first form for rides. A
month-first date (``03/25/2025``) is not a calendar date day first and is
malformed, never swapped back: ``03/04/2025`` could be either way.
"""

from __future__ import annotations

import re
from datetime import datetime

from adapters.dates import DateMalformed, iso_from_dmy

_CHINESE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?: ?(\d{1,2}):(\d{2}))?$", re.ASCII)


def iso_from_macao(text: str) -> str:
    """``DD/MM/YYYY``, ``DD/MM/YYYY HH:MM``, ``YYYY年M月D日`` (optionally ``HH:MM``) → ISO."""
    if not text:
        raise DateMalformed("the date is blank")
    if m := _CHINESE.match(text):
        hour, minute = (int(m[4]), int(m[5])) if m[4] is not None else (0, 0)
        try:
            moment = datetime(int(m[1]), int(m[2]), int(m[3]), hour, minute)
        except ValueError as exc:
            raise DateMalformed(f"'{text}' is not a calendar date ({exc})") from exc
        if m[4] is None:
            return moment.date().isoformat()
        return moment.isoformat(timespec="seconds")
    if "/" not in text:
        raise DateMalformed(f"'{text}' is not DD/MM/YYYY, DD/MM/YYYY HH:MM or YYYY年M月D日")
    try:
        return iso_from_dmy(text)
    except DateMalformed as exc:
        raise DateMalformed(
            f"{exc}; Macao dates are day first, a month-first date is not swapped back"
        ) from exc
