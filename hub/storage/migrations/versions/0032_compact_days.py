"""A personal claim's activity day kept on SQLite as days since 1970 (issue 18).

SQLite kept a calendar day as ten characters of ISO text. A personal claim
wrote its Shenzhen activity day in its award (``points_entries.day``, again
in the (partner, person, day) index) and at the head of its travel row's key
(``person_travel_days.day``). Now, on SQLite, the days since 1970-01-01, an
integer (hub.storage.day_column): 2 or 3 bytes for any day of this century.
A value that is not a day's text (none the hub writes) is left as it is.

PostgreSQL keeps ``date``: nothing changes there.

Downgrade gives every value back as the text SQLite kept before.

Revision ID: 0032_compact_days
Revises: 0031_compact_audit_events
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from alembic import op

revision: str = "0032_compact_days"
down_revision: str | None = "0031_compact_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"points_entries": "day", "person_travel_days": "day"}
_EPOCH = date(1970, 1, 1).toordinal()


# Frozen copies of hub.storage.day_column's conversions (migrations never
# import code that may change).
def _to_number(stored: object) -> object:
    if not isinstance(stored, str):
        return stored
    try:
        return date.fromisoformat(stored).toordinal() - _EPOCH
    except ValueError:
        return stored


def _to_text(stored: object) -> object:
    if not isinstance(stored, int):
        return stored
    try:
        return date.fromordinal(stored + _EPOCH).isoformat()
    except (ValueError, OverflowError):  # no day (edited by hand): left as it is
        return stored


def _sqlite_rewrite(function: Callable[[object], object]) -> None:
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    raw.create_function("carbon_hub_day", 1, function, deterministic=True)
    for table, column in COLUMNS.items():
        op.execute(f"UPDATE {table} SET {column} = carbon_hub_day({column})")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_to_number)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_to_text)
