"""A claim's content digest kept once, in its decision event (issue 18).

Every claim the hub stored came with its decision event (RECEIVED ->
ACCEPTED, REJECTED or HELD), whose details name the claim's content digest;
the claim's row kept the same 32 bytes again. Now a claim whose first event
naming a digest names the row's own keeps ``content_digest`` empty (the
text "", stored as one 0xFF byte: hub.storage.hex_digest_column) and the
hub reads the digest from that event (hub.storage.claim_digests). A row
whose events name no digest, or another one, keeps its own.

Downgrade writes every empty digest back from the claim's event (a claim
none of whose events names one any more, the audit log edited by hand,
keeps its row as it is).

Both databases, a page of claims at a time; PostgreSQL then writes the
claims table afresh (the updated rows' old versions are not left behind).
The event details are read as the hub reads them
(hub.storage.audit_repository.stored_details: packed, or compact JSON in
rows written before 0025; only the hub's own spelling, fixed for good by
docs/audit-log.md).

Revision ID: 0043_digest_in_event
Revises: 0042_event_subject_index
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

# The one reader of events' details: what it reads is fixed for good
# (docs/audit-log.md), and a row emptied here must be one the hub reads.
from hub.storage.audit_repository import stored_details

revision: str = "0043_digest_in_event"
down_revision: str | None = "0042_event_subject_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 2000
EMPTY = b"\xff"  # the stored form of the empty text (0026's marker and no UTF-8)


def _event_digest(details: object, packed: object) -> bytes | None:
    """The content digest an event's details name, as its 32 bytes: read as
    the hub reads them (only its own spelling is details; the spelling is
    fixed for good, docs/audit-log.md), so a row emptied here is one the hub
    then reads its digest from."""
    value = (stored_details(details, packed) or {}).get("content_digest", "")
    if len(value) != 64:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _pages(bind: sa.Connection, where: str) -> Iterator[list[tuple[bytes, bytes]]]:
    """The (claim id, stored digest) of the claims ``where`` selects (with
    ``:empty`` bound to EMPTY), a page of CHUNK at a time in id order: a
    page is converted before the next is read (rows it changed stay in
    place, after the key the next page starts from)."""
    after = b""
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT claim_id, content_digest FROM claims WHERE claim_id > :after AND {where}"
                " ORDER BY claim_id LIMIT :n"
            ),
            {"after": after, "n": CHUNK, "empty": EMPTY},
        ).all()
        # Every id here is bytes: the hub's, or text 0028 kept marked (SQLite
        # orders any text before every BLOB, so "> X''" reads no text). A
        # digest written by hand as text stays as it is: it names no event.
        page = [(bytes(c), bytes(d)) for c, d in rows if isinstance(d, bytes | memoryview)]
        if page:
            yield page
        if len(rows) < CHUNK:
            return
        after = bytes(rows[-1][0])


def _first_digests(bind: sa.Connection, claim_ids: Sequence[bytes]) -> dict[bytes, bytes]:
    """claim id -> the digest its first event naming one names."""
    postgresql = bind.dialect.name == "postgresql"
    # A claim event's subject: the id's 16 bytes on SQLite (0031), hex text on
    # PostgreSQL; either spelling is the same id (docs/audit-log.md).
    subjects: dict[object, bytes] = {c.hex(): c for c in claim_ids}
    if not postgresql:
        subjects.update({c: c for c in claim_ids})
    found: dict[bytes, bytes] = {}
    statement = sa.text(
        "SELECT subject_id, details, packed FROM ledger_events"
        " WHERE subject_kind = 'claim' AND subject_id IN :ids ORDER BY seq"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for subject, details, packed in bind.execute(statement, {"ids": list(subjects)}):
        claim_id = subjects.get(subject if isinstance(subject, str) else bytes(subject))
        if claim_id is None or claim_id in found:
            continue
        digest = _event_digest(details, packed)
        if digest is not None:
            found[claim_id] = digest
    return found


def _rewrite(bind: sa.Connection) -> None:
    """PostgreSQL: the claims table written afresh, its indexes rebuilt. An
    UPDATE of every row leaves each old row and index entry behind (the
    table and its indexes nearly twice their size until VACUUM FULL, which
    cannot run in a migration's transaction); a column's type set with USING
    copies only the live rows. Not ``USING content_digest`` alone: PostgreSQL
    skips the rewrite when USING leaves a column's contents as they are."""
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE claims ALTER COLUMN content_digest TYPE bytea"
            " USING content_digest || ''::bytea"
        )


def upgrade() -> None:
    bind = op.get_bind()
    for page in _pages(bind, "content_digest <> :empty"):
        events = _first_digests(bind, [claim_id for claim_id, _ in page])
        same = [{"c": c, "e": EMPTY} for c, d in page if events.get(c) == d]
        if same:
            bind.execute(sa.text("UPDATE claims SET content_digest = :e WHERE claim_id = :c"), same)
    _rewrite(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for page in _pages(bind, "content_digest = :empty"):
        events = _first_digests(bind, [claim_id for claim_id, _ in page])
        # A claim none of whose events names a digest any more (the audit
        # log edited by hand: `carbon-hub audit verify` names it) keeps its
        # row as it is, as the other downgrades keep a value written by hand.
        back = [{"c": c, "d": events[c]} for c, _ in page if c in events]
        if back:
            bind.execute(sa.text("UPDATE claims SET content_digest = :d WHERE claim_id = :c"), back)
    _rewrite(bind)
