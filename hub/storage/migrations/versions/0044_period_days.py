"""A submission's period texts kept as offsets from the row's period (issue 18).

A claim's body (hub.storage.claim_body, MessagePack) kept the partner's
period texts as sent, beside the row's period columns, which hold the same
period normalised to UTC: a personal claim's ``2024-01-01`` twice (22
bytes), a trip's ``2024-10-02 08:00:00`` and its end (40). Now a date is
kept as the days from the UTC date of its column, a local time as the
minutes from its column and its spelling, when that reads back as the very
text (hub.storage.period_texts); any other text stays as it is.

Every body is rewritten by that rule, on SQLite and PostgreSQL, a page of
claims at a time; a text the rule does not give back, or a row without its
period, is left as it is. Downgrade writes the texts back out. The verdict,
the submission and the normalised claim read back the same either way.
PostgreSQL then writes the claims table afresh (the updated rows' old
versions are not left behind: 0043).

Revision ID: 0044_period_days
Revises: 0043_digest_in_event
Create Date: 2026-12-07
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgpack  # type: ignore[import-untyped]
import sqlalchemy as sa
from alembic import op

revision: str = "0044_period_days"
down_revision: str | None = "0043_digest_in_event"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of hub.storage.claim_body's keys and hub.storage.period_texts'
# rules (migrations never import code that may change).
_SUBMISSION = 3
_START, _END = 4, 5
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", re.ASCII)
_SPELLINGS = ((" ", "seconds"), (" ", "minutes"), ("T", "seconds"), ("T", "minutes"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 2000


def _utc(stored: Any) -> datetime | None:
    """A period column as the database gives it (integer microseconds or ISO
    text on SQLite: hub.storage.instant_column; an aware timestamp on
    PostgreSQL) as naive UTC; None: no column, or no UTC time."""
    try:
        if stored is None:
            return None
        if isinstance(stored, int):
            moment = _EPOCH + timedelta(microseconds=stored)
        elif isinstance(stored, str):
            parsed = datetime.fromisoformat(stored)
            moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
        else:
            moment = stored
        return moment.astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None


def _text(kept: Any, base: datetime) -> str | None:
    """The text a kept period stands for (period_texts.period_text)."""
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


def _kept(text: str, base: datetime) -> Any:
    """``text`` as an offset from ``base`` (period_texts.kept_period), or None."""
    kept: Any
    try:
        if _ISO_DATE.fullmatch(text):
            kept = (date.fromisoformat(text) - base.date()).days
        elif _LOCAL_TIME.fullmatch(text):
            minutes, rest = divmod(
                datetime.fromisoformat(text.replace(" ", "T")) - base, timedelta(minutes=1)
            )
            if rest:
                return None
            timespec = "seconds" if len(text) == 19 else "minutes"
            kept = [minutes, _SPELLINGS.index((text[10], timespec))]
        else:
            return None
    except ValueError:
        return None
    return kept if _text(kept, base) == text else None


def _lean(entry: dict[int, Any], columns: dict[int, datetime | None]) -> bool:
    """Texts to offsets where they read back exactly; True when ``entry`` changed."""
    changed = False
    for key, base in columns.items():
        text = entry.get(key)
        if base is None or not isinstance(text, str):
            continue
        kept = _kept(text, base)
        if kept is not None:
            entry[key] = kept
            changed = True
    return changed


class _NoText(ValueError):
    """A kept period whose column gives no text (the column changed by hand)."""


def _texts(entry: dict[int, Any], columns: dict[int, datetime | None]) -> bool:
    """Offsets back to texts; True when ``entry`` changed. A kept period whose
    column gives no text stops the downgrade: left as it is, a hub from
    before 0044 would read the offset as the partner's text."""
    changed = False
    for key, base in columns.items():
        kept = entry.get(key)
        if kept is None or isinstance(kept, str):
            continue
        text = None if base is None else _text(kept, base)
        if text is None:
            raise _NoText(key)
        entry[key] = text
        changed = True
    return changed


def _rewrite(rule: Callable[[dict[int, Any], dict[int, datetime | None]], bool]) -> None:
    """Apply ``rule`` to every claim's submission entry, a page at a time (by key)."""
    bind = op.get_bind()
    after: Any = None
    while True:
        query = "SELECT claim_id, body, period_start, period_end FROM claims"
        if after is not None:
            query += " WHERE claim_id > :after"
        rows = bind.execute(
            sa.text(query + f" ORDER BY claim_id LIMIT {_CHUNK}"), {"after": after}
        ).all()
        if not rows:
            break
        changed = []
        for claim_id, stored, start, end in rows:
            if stored is None:
                continue
            body = msgpack.unpackb(bytes(stored), raw=False, strict_map_key=False)
            entry = body.get(_SUBMISSION) if isinstance(body, dict) else None
            columns = {_START: _utc(start), _END: _utc(end)}
            try:
                if isinstance(entry, dict) and rule(entry, columns):
                    changed.append({"id": claim_id, "body": msgpack.packb(body, use_bin_type=True)})
            except _NoText as failed:
                name = "period_start" if failed.args[0] == _START else "period_end"
                named = claim_id if isinstance(claim_id, str) else bytes(claim_id).hex()
                raise RuntimeError(
                    f"claim {named}: its {name} text is kept as an offset from the"
                    f" {name} column, which holds no instant to read it from (changed"
                    " by hand?): set the column back, then downgrade"
                ) from failed
        if changed:
            bind.execute(sa.text("UPDATE claims SET body = :body WHERE claim_id = :id"), changed)
        after = rows[-1][0]
    if bind.dialect.name == "postgresql":
        # An UPDATE of every row leaves each old version behind (the table
        # nearly twice its size until VACUUM FULL, which cannot run in a
        # migration's transaction); a column's type set with USING copies
        # only the live rows and rebuilds the indexes. ``USING body`` alone
        # would not: PostgreSQL skips the rewrite when USING leaves a
        # column's contents as they are.
        op.execute("ALTER TABLE claims ALTER COLUMN body TYPE bytea USING body || ''::bytea")


def upgrade() -> None:
    _rewrite(_lean)


def downgrade() -> None:
    _rewrite(_texts)
