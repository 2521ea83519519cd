"""Audit details packed (issue 18).

Every ``ledger_events`` row kept its details as compact JSON text: about 220
of a claim event's 370 bytes, mostly key names, quotes and a 64-digit hex
content digest. They are now packed (hub.storage.packed_details: MessagePack,
known keys as one-byte codes, hex as bytes, canonical integers as integers):
about 80 bytes, and every value reads back as the very same string, so the
chain hashes (over the canonical JSON of the details, never the stored form)
are unchanged.

* ``packed`` (BLOB / BYTEA, NULL): the packed details; ``details`` is then
  the empty string. A row with ``packed`` NULL keeps its JSON text, as rows
  were written before.
* Upgrade packs the rows already stored, 5,000 at a time in id order. A row
  whose text is not details the hub wrote (an edited row) is left as it is,
  so ``audit verify`` still names it.

Downgrade writes the JSON text back into ``details`` and drops ``packed``;
a packed row that does not unpack (edited) gets ``packed:`` and its bytes in
hex as ``details``, which 0024's hub reports as edited too, the evidence kept.

Revision ID: 0025_packed_audit_details
Revises: 0024_signed_payload_codec
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.storage.audit_repository import decode_details
from hub.storage.packed_details import pack_details, unpack_details
from hub.storage.serialisation import dumps

revision: str = "0025_packed_audit_details"
down_revision: str | None = "0024_signed_payload_codec"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAGE = 5000


def _rewrite(
    select: str, update: str, change: Callable[[Sequence[Any]], dict[str, Any] | None]
) -> None:
    """Page through the rows ``select`` finds after an id, in id order, and
    run ``update`` with what ``change`` makes of each row (None: left as is)."""
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.text(f"{select} AND id > :after ORDER BY id LIMIT :page"),
            {"after": after, "page": _PAGE},
        ).all()
        if not rows:
            return
        changed = [found for row in rows if (found := change(row)) is not None]
        if changed:
            connection.execute(sa.text(update), changed)
        after = int(rows[-1][0])


def _packed(row: Sequence[Any]) -> dict[str, Any] | None:
    row_id, text = row
    details = decode_details(text)
    return None if details is None else {"id": row_id, "packed": pack_details(details)}


def _unpacked(row: Sequence[Any]) -> dict[str, Any] | None:
    row_id, text, packed = row
    if text != "":
        return None
    details = unpack_details(bytes(packed))
    if details is None:
        # Edited: its bytes kept in hex, which no reader takes for details.
        return {"id": row_id, "details": "packed:" + bytes(packed).hex()}
    return {"id": row_id, "details": dumps(details)}


def upgrade() -> None:
    op.add_column("ledger_events", sa.Column("packed", sa.LargeBinary(), nullable=True))
    _rewrite(
        "SELECT id, details FROM ledger_events WHERE packed IS NULL",
        "UPDATE ledger_events SET details = '', packed = :packed WHERE id = :id",
        _packed,
    )


def downgrade() -> None:
    _rewrite(
        "SELECT id, details, packed FROM ledger_events WHERE packed IS NOT NULL",
        "UPDATE ledger_events SET details = :details WHERE id = :id",
        _unpacked,
    )
    op.drop_column("ledger_events", "packed")
