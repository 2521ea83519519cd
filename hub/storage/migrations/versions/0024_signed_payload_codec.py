"""Signed payloads kept deflated (issue 18).

``signed_payloads`` kept every accepted envelope as received: for an
envelope of a thousand personal claims about 163 bytes a claim, the third
largest table after the claims and the audit events. Deflated with zlib it
keeps about 23 bytes a claim, and the bytes read back are the bytes the
partner signed (hub.storage.payload_codec).

* ``payload_codec`` (``identity`` or ``zlib``, default ``identity``) says how
  a row's ``payload`` is kept.
* Upgrade deflates the rows already stored, a page of rows at a time, where
  that keeps fewer bytes. SQLite gives the freed pages back to the file only
  on ``VACUUM``; PostgreSQL reuses them (after ``VACUUM FULL`` it returns them).

Downgrade inflates every deflated row again and drops the column.

Revision ID: 0024_signed_payload_codec
Revises: 0023_points_daily_from_entries
Create Date: 2026-12-07
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_signed_payload_codec"
down_revision: str | None = "0023_points_daily_from_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Envelopes are up to a few MB each: a page of rows bounds the memory.
_PAGE = 50


def upgrade() -> None:
    op.add_column(
        "signed_payloads",
        sa.Column("payload_codec", sa.String(16), nullable=False, server_default="identity"),
    )
    _recode("identity", _deflate)


def downgrade() -> None:
    _recode("zlib", _inflate)
    with op.batch_alter_table("signed_payloads") as batch:
        batch.drop_column("payload_codec")


def _deflate(payload: bytes) -> tuple[str, bytes] | None:
    # Level 6, as hub.storage.payload_codec writes; kept as is where it would not shrink.
    deflated = zlib.compress(payload, 6)
    return ("zlib", deflated) if len(deflated) < len(payload) else None


def _inflate(stored: bytes) -> tuple[str, bytes] | None:
    # A row that does not inflate whole (edited by hand) is left as it is: it
    # reads as damaged, and its signature does not verify over it.
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(stored) + inflater.flush()
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data:
        return None
    return "identity", payload


def _recode(codec: str, change: Callable[[bytes], tuple[str, bytes] | None]) -> None:
    """Rewrite every row kept with ``codec``, in key order, a page at a time."""
    connection = op.get_bind()
    after: tuple[str, int] | None = None
    while True:
        query = (
            "SELECT partner, sequence, payload FROM signed_payloads WHERE payload_codec = :codec"
        )
        parameters: dict[str, object] = {"codec": codec, "page": _PAGE}
        if after is not None:
            # Row-value comparison: both databases walk the primary key from here.
            query += " AND (partner, sequence) > (:partner, :sequence)"
            parameters.update(partner=after[0], sequence=after[1])
        rows = connection.execute(
            sa.text(query + " ORDER BY partner, sequence LIMIT :page"), parameters
        ).all()
        if not rows:
            return
        updates = []
        for partner, sequence, payload in rows:
            changed = change(bytes(payload))
            if changed is not None:
                updates.append(
                    {
                        "payload": changed[1],
                        "codec": changed[0],
                        "partner": partner,
                        "sequence": sequence,
                    }
                )
        if updates:
            connection.execute(
                sa.text(
                    "UPDATE signed_payloads SET payload = :payload, payload_codec = :codec"
                    " WHERE partner = :partner AND sequence = :sequence"
                ),
                updates,
            )
        after = (str(rows[-1][0]), int(rows[-1][1]))
