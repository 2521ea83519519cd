"""A submission's period texts kept as offsets from the row's period columns.

A partner writes its monitoring period in its own time zone, as dates
(``2024-01-01`` to ``2024-01-01``: one day, the end inclusive) or as local
times (``2024-10-02 08:00:00``); the claim row keeps the normalised period
as two UTC instants (its ``period_start`` and ``period_end`` columns), and
until 0044 the body kept the partner's two texts beside them: 22 bytes a
claim given by dates, 40 a trip given by times.

Now the body keeps, where it gives the very text back:

* a date (``YYYY-MM-DD``) as the whole number of days from the UTC date of
  its column: for Shanghai, a start of ``2024-01-01`` is 2023-12-31T16:00Z,
  kept as 1; its end, the next local midnight 2024-01-01T16:00Z, as 0. One
  byte of MessagePack;
* a local time (``YYYY-MM-DD HH:MM[:SS]``, a ``T`` or a space) as
  ``[minutes, spelling]``: the minutes from its column's UTC time to the
  local time written (480 in Shanghai), and which of the four spellings it
  was. Five bytes.

Any other text (a space around it, a date that is not one, a time not a
whole number of minutes from its column) stays text. A date is kept at any
distance from its column's date: what is kept is only how to spell the text
again. A text comes back from stored values alone, never from time zone
data, which a tzdata release may change between writing and reading; so
the period columns now carry the partner's texts too, and a period column
changed by hand changes the text read back (and the claim's content lock
key, hub.storage.claim_locks): the hub never changes one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["kept_period", "period_text"]

_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", re.ASCII)
# The spellings of a local time, by their number in a kept period (fixed for
# good: stored bodies name them): datetime.isoformat's separator and timespec.
_SPELLINGS = ((" ", "seconds"), (" ", "minutes"), ("T", "seconds"), ("T", "minutes"))

Kept = int | list[int]


def _utc(column: datetime | None) -> datetime | None:
    """The column's instant as naive UTC (None: no column, or no UTC time)."""
    if column is None:
        return None
    if column.tzinfo is UTC:  # as the hub's columns give it: no conversion
        return column.replace(tzinfo=None)
    try:
        return column.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return None


def kept_period(text: str, column: datetime | None) -> Kept | None:
    """``text`` as an offset from ``column`` when ``period_text`` gives it
    back exactly; else None (the text is kept as it is).

    On every claim's way: each branch checks that the text is the very
    spelling ``period_text`` writes (``isoformat``), which is what reading
    it back would give, without reading it back."""
    base = _utc(column)
    if base is None:
        return None
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        # fromisoformat reads other ISO spellings too (20240101): only its own.
        return (day - base.date()).days if day.isoformat() == text else None
    if not _LOCAL_TIME.fullmatch(text):
        return None
    try:
        local = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    minutes, rest = divmod(local - base, timedelta(minutes=1))
    if rest:
        return None
    spelling = (text[10], "seconds" if len(text) == 19 else "minutes")
    # base + minutes is ``local`` itself: its spelling is period_text's.
    if local.isoformat(*spelling) != text:
        return None
    return [minutes, _SPELLINGS.index(spelling)]


def period_text(kept: object, column: datetime | None) -> str | None:
    """The period text kept as ``kept`` from ``column`` (None: not a kept
    period, the column holds no instant, or the text is outside the calendar)."""
    base = _utc(column)
    if base is None:
        return None
    try:
        if isinstance(kept, int) and not isinstance(kept, bool):
            return (base.date() + timedelta(days=kept)).isoformat()
        if (
            isinstance(kept, list)
            and len(kept) == 2
            and all(isinstance(part, int) and not isinstance(part, bool) for part in kept)
            and 0 <= kept[1] < len(_SPELLINGS)
        ):
            separator, timespec = _SPELLINGS[kept[1]]
            return (base + timedelta(minutes=kept[0])).isoformat(separator, timespec)
    except OverflowError:
        return None
    return None
