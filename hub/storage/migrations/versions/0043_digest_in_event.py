"""A claim's content digest kept once, in its decision event (issue 18).

Every claim the hub stored came with its decision event (RECEIVED ->
ACCEPTED, REJECTED or HELD), whose details name the claim's content digest;
the claim's row kept the same 32 bytes again. Now a claim whose first event
naming a digest names the row's own keeps ``content_digest`` empty (the
text "", stored as one 0xFF byte: hub.storage.hex_digest_column) and the
hub reads the digest from that event (hub.storage.claim_digests). A row
whose events name no digest, or another one, keeps its own.

Downgrade writes every empty digest back from the claim's event (and stops,
naming the claim, where no event names one: the audit log was edited).

Both databases, a chunk of claims at a time. The event details are read as
docs/audit-log.md fixes them for good: packed (MessagePack, the key
``content_digest`` as its code 1 or its name, a digest's 64 hex digits as
its 32 bytes) or, in rows written before 0025, compact JSON.

Revision ID: 0043_digest_in_event
Revises: 0042_event_subject_index
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import msgpack  # type: ignore[import-untyped]
import sqlalchemy as sa
from alembic import op

revision: str = "0043_digest_in_event"
down_revision: str | None = "0042_event_subject_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 2000
EMPTY = b"\xff"  # the stored form of the empty text (0026's marker and no UTF-8)
_DIGEST_CODE = 1  # "content_digest" in packed_details.KEY_CODES, fixed for good


def _event_digest(details: object, packed: object) -> bytes | None:
    """The content digest an event's details name, as its 32 bytes."""
    value: object
    if isinstance(packed, bytes | memoryview):
        try:
            found = msgpack.unpackb(bytes(packed), raw=False, strict_map_key=False)
        except Exception:  # an unreadable row: audit verify names it
            return None
        if not isinstance(found, dict):
            return None
        value = found.get(_DIGEST_CODE, found.get("content_digest"))
    else:
        try:
            found = json.loads(str(details))
        except ValueError:
            return None
        value = found.get("content_digest") if isinstance(found, dict) else None
    if isinstance(value, bytes) and len(value) == 32:
        return value
    if isinstance(value, str) and len(value) == 64:
        try:
            return bytes.fromhex(value)
        except ValueError:
            return None
    return None


def _claims(bind: sa.Connection, where: str) -> list[tuple[bytes, bytes]]:
    """Every (claim id, stored digest) of the claims ``where`` selects (with
    ``:empty`` bound to EMPTY), by id."""
    found: list[tuple[bytes, bytes]] = []
    after = b""
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT claim_id, content_digest FROM claims WHERE claim_id > :after AND {where}"
                " ORDER BY claim_id LIMIT :n"
            ),
            {"after": after, "n": CHUNK, "empty": EMPTY},
        ).all()
        found.extend((bytes(c), bytes(d)) for c, d in rows)
        if len(rows) < CHUNK:
            return found
        after = bytes(rows[-1][0])


def _first_digests(bind: sa.Connection, claim_ids: Sequence[bytes]) -> dict[bytes, bytes]:
    """claim id -> the digest its first event naming one names."""
    postgresql = bind.dialect.name == "postgresql"
    # A claim event's subject: the id's 16 bytes on SQLite (0031), hex text on PostgreSQL.
    subjects = {(c.hex() if postgresql else c): c for c in claim_ids}
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


def upgrade() -> None:
    bind = op.get_bind()
    claims = _claims(bind, "content_digest <> :empty")
    for start in range(0, len(claims), CHUNK):
        chunk = claims[start : start + CHUNK]
        events = _first_digests(bind, [claim_id for claim_id, _ in chunk])
        same = [{"c": c, "e": EMPTY} for c, d in chunk if events.get(c) == d]
        if same:
            bind.execute(sa.text("UPDATE claims SET content_digest = :e WHERE claim_id = :c"), same)


def downgrade() -> None:
    bind = op.get_bind()
    claims = _claims(bind, "content_digest = :empty")
    for start in range(0, len(claims), CHUNK):
        chunk = claims[start : start + CHUNK]
        events = _first_digests(bind, [claim_id for claim_id, _ in chunk])
        for claim_id, _ in chunk:
            if claim_id not in events:
                raise RuntimeError(
                    f"claim {claim_id.hex()} keeps its content digest in its decision event,"
                    " and no event of the claim names one: run `carbon-hub audit verify`"
                )
        bind.execute(
            sa.text("UPDATE claims SET content_digest = :d WHERE claim_id = :c"),
            [{"c": c, "d": events[c]} for c, _ in chunk],
        )
