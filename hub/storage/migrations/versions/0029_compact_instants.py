"""A personal claim's instants kept on SQLite as integer microseconds (issue 18).

SQLite kept every UTC instant as 26 characters of ISO text. The instants a
personal claim writes (``claims.period_start``, ``period_end`` and
``received_at``, two of them again in the (person, period) and (decision,
issuance, received) indexes; its award's ``points_entries.occurred_at`` and
``expires_at``; a person's ``points_balances.next_expiry``, compared with
them) are now kept as the microseconds since 1970-01-01 UTC, an integer
(hub.storage.instant_column): 9 bytes in a record instead of 27.

* SQLite: the columns keep their declared ``DATETIME`` and their values are
  rewritten in place, one UPDATE a table. A value that is not an instant's
  text (none the hub writes) is left as it is.
* PostgreSQL keeps ``timestamptz``: nothing changes there.

Downgrade gives every value back as the text SQLite kept before.

Revision ID: 0029_compact_instants
Revises: 0028_claim_ids_as_bytes
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from alembic import op

revision: str = "0029_compact_instants"
down_revision: str | None = "0028_claim_ids_as_bytes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "claims": ("period_start", "period_end", "received_at"),
    "points_entries": ("occurred_at", "expires_at"),
    "points_balances": ("next_expiry",),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _to_micros(stored: object) -> object:
    # A frozen copy of hub.storage.instant_column's conversion, from the text
    # SQLAlchemy's SQLite DATETIME wrote (naive: UTC).
    if not isinstance(stored, str):
        return stored
    try:
        parsed = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _to_text(stored: object) -> object:
    if not isinstance(stored, int):
        return stored
    try:
        t = _EPOCH + timedelta(microseconds=stored)
    except OverflowError:  # no instant (edited by hand): left as it is
        return stored
    # SQLAlchemy's SQLite DATETIME storage format, microseconds always given.
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"
    )


def _sqlite_rewrite(name: str, function: Callable[[object], object]) -> None:
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    raw.create_function(name, 1, function, deterministic=True)
    for table, columns in COLUMNS.items():
        assignments = ", ".join(f"{c} = {name}({c})" for c in columns)
        op.execute(f"UPDATE {table} SET {assignments}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite("carbon_hub_instant_micros", _to_micros)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite("carbon_hub_instant_text", _to_text)
