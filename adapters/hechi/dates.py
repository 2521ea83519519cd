"""The date layouts of Hechi's Excel-kept ledger → ISO 8601 local dates.

Excel on a zh-CN Windows writes dates into CSV as ``2024/7/1``; sheets
typed by hand carry ``2024年7月1日`` or ``2024-07-01``. Year first in all
three, so nothing is ambiguous; a day that does not exist (2024/9/31) is
malformed, never moved.
"""

from __future__ import annotations

import re
from datetime import date

from adapters.dates import DateMalformed

_LAYOUTS = (
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def iso_date_from_ledger(text: str) -> str:
    """``2024/7/1``, ``2024-07-01`` or ``2024年7月1日`` → ``2024-07-01``."""
    if not text:
        raise DateMalformed("the date is blank")
    for layout in _LAYOUTS:
        if m := layout.match(text):
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError as exc:
                raise DateMalformed(f"'{text}' is not a calendar date ({exc})") from exc
    raise DateMalformed(f"'{text}' is not YYYY/M/D, YYYY-MM-DD or YYYY年M月D日")
