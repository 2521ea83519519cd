"""An audit event's subject id and instant in their own size on SQLite (issue 18).

Most audit events are a claim's decision. SQLite kept its subject, the
claim's id (32 hex digits), as 33 bytes of text, in the row and in the
(subject kind, subject id) index, and its ``at`` as 27 bytes of ISO text.
Now, on SQLite only:

* ``ledger_events.subject_id`` of a claim's event (``subject_kind`` =
  ``claim``): an id of exactly 32 lower-case hex digits as its 16 bytes, as
  ``claims.claim_id`` keeps it since 0028 (hub.storage.event_subject_column);
  any other id, and every other kind's (blocks, projects, keys), stays the
  text it is;
* ``ledger_events.at``: the microseconds since 1970-01-01 UTC, an integer
  (hub.storage.instant_column, as 0029 did for the claims' instants); a
  value that is not an instant's text is left as it is.

The hub reads back the very same id and instant, so the canonical bytes of
every row (docs/audit-log.md section 2) and every chain hash, checkpoint,
leaf and tree head are unchanged. PostgreSQL keeps ``text`` and
``timestamptz``: nothing changes there.

Downgrade gives every value back as the text SQLite kept before.

Revision ID: 0031_compact_audit_events
Revises: 0030_tree_tiles
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from alembic import op

revision: str = "0031_compact_audit_events"
down_revision: str | None = "0030_tree_tiles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# Frozen copies of hub.storage.instant_column's and event_subject_column's
# conversions (migrations never import code that may change).
def _to_micros(stored: object) -> object:
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
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"
    )


def _id_bytes(stored: object) -> object:
    if not isinstance(stored, str) or len(stored) != 32:
        return stored
    try:
        raw = bytes.fromhex(stored)
    except ValueError:
        return stored
    return raw if raw.hex() == stored else stored


def _id_text(stored: object) -> object:
    if isinstance(stored, bytes) and len(stored) == 16:
        return stored.hex()
    return stored


def _sqlite_rewrite(
    subject: Callable[[object], object], instant: Callable[[object], object]
) -> None:
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    raw.create_function("carbon_hub_event_subject", 1, subject, deterministic=True)
    raw.create_function("carbon_hub_event_instant", 1, instant, deterministic=True)
    # One pass over the table: every row's instant, a claim event's subject.
    op.execute(
        "UPDATE ledger_events SET at = carbon_hub_event_instant(at), subject_id = CASE"
        " WHEN subject_kind = 'claim' THEN carbon_hub_event_subject(subject_id)"
        " ELSE subject_id END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_id_bytes, _to_micros)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_id_text, _to_text)
