"""A range lock's kind kept on SQLite as one character (issue 18).

``claim_locks.kind`` held the kind's name (``PERSON_PERIOD``: 13 bytes of a
personal claim's lock, the first part of the table's key since 0033). Now,
on SQLite, its one-character code (hub.storage.lock_kind_column):
PERSON_PERIOD '1', PERSON_TRAVEL '2', PROJECT_PERIOD '3', ORIGIN_SERIAL '4',
CONTENT '5' (text: the column's declared VARCHAR would turn a number into
text anyway). The two places SQLite itself compares a kind with a constant
are made again: the trigger that kept content locks out now refuses any kind
but a range kind's code (a name written by hand would escape every
comparison the hub makes, the overlap trigger's included), and the partial
index of origin serial locks by claim holds kind '4'. A kind that is no
name the hub writes is left as it is.

PostgreSQL keeps the names: nothing changes there.

Downgrade gives every code its name back, the trigger and index theirs.

Revision ID: 0036_lock_kind_codes
Revises: 0035_reported_persons
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0036_lock_kind_codes"
down_revision: str | None = "0035_reported_persons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of hub.storage.lock_kind_column.LOCK_KIND_CODES (migrations
# never import code that may change; the codes never change anyway).
CODES = {
    "PERSON_PERIOD": "1",
    "PERSON_TRAVEL": "2",
    "PROJECT_PERIOD": "3",
    "ORIGIN_SERIAL": "4",
    "CONTENT": "5",
}
IMMUTABLE_TRIGGER = "tr_claim_locks_immutable"
RANGES_ONLY_TRIGGER = "tr_claim_locks_ranges_only"
ORIGIN_INDEX = "ix_claim_locks_origin_claim_id"


def _rewrite(pairs: Sequence[tuple[str, str]], refused: str, message: str, origin: str) -> None:
    """Each stored kind ``a`` becomes ``b`` for (a, b) in ``pairs``; the
    trigger refuses a row whose kind is ``refused`` (a condition on NEW.kind)
    with ``message``, the index holds the rows whose kind is ``origin``."""
    # Locks are immutable (the trigger refuses an UPDATE of their kind):
    # lifted for the rewrite only, with the ranges-only trigger and the
    # partial index, which compare a kind with a constant.
    op.execute(f"DROP TRIGGER IF EXISTS {IMMUTABLE_TRIGGER}")
    op.execute(f"DROP TRIGGER IF EXISTS {RANGES_ONLY_TRIGGER}")
    op.execute(f"DROP INDEX IF EXISTS {ORIGIN_INDEX}")
    cases = " ".join(f"WHEN {a} THEN {b}" for a, b in pairs)
    wanted = ", ".join(a for a, _ in pairs)
    op.execute(f"UPDATE claim_locks SET kind = CASE kind {cases} END WHERE kind IN ({wanted})")
    op.execute(f"CREATE INDEX {ORIGIN_INDEX} ON claim_locks (claim_id) WHERE kind = {origin}")
    op.execute(
        f"""
        CREATE TRIGGER {RANGES_ONLY_TRIGGER}
        BEFORE INSERT ON claim_locks
        FOR EACH ROW
        WHEN NEW.kind {refused}
        BEGIN
            SELECT RAISE(ABORT, {message});
        END
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER {IMMUTABLE_TRIGGER}
        BEFORE UPDATE OF kind, key, lo, hi ON claim_locks
        FOR EACH ROW
        BEGIN
            SELECT RAISE(ABORT, 'claim locks are immutable: delete and insert instead');
        END
        """
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite(
            [(f"'{name}'", f"'{code}'") for name, code in CODES.items()],
            # Only the range kinds' codes: a content lock (its code or name)
            # would slip past claim_content_locks' unique key, and a kind
            # written by its name past every comparison the hub makes.
            "NOT IN ("
            + ", ".join(f"'{code}'" for name, code in CODES.items() if name != "CONTENT")
            + ")",
            "'a lock''s kind is a range kind''s code (''1'' to ''4''):"
            " content locks are kept in claim_content_locks'",
            f"'{CODES['ORIGIN_SERIAL']}'",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite(
            [(f"'{code}'", f"'{name}'") for name, code in CODES.items()],
            "= 'CONTENT'",
            "'content locks are kept in claim_content_locks'",
            "'ORIGIN_SERIAL'",
        )
