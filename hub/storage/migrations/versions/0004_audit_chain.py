"""The audit log becomes a hash chain: ledger events get seq, prev_hash and hash;
the chain's head lives in ``audit_head``; hub-signed checkpoints in
``audit_checkpoints``.

Written by hand. Events recorded under 0002/0003 are chained in id order
(their append order), exactly as hub.storage.audit_repository would have
chained them, and the head is set to the last one (0 / GENESIS when there
are none). Then the three columns become NOT NULL and seq unique: on
SQLite that is a copy of ledger_events (batch mode), which nothing
references.

Revision ID: 0004_audit_chain
Revises: 0003_trust
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.domain.audit_chain import GENESIS, canonical_event, link
from hub.storage.audit_repository import decode_details, decode_instant

revision: str = "0004_audit_chain"
down_revision: str | None = "0003_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ_UNIQUE = "uq_ledger_events_seq"
_BACKFILL_BATCH = 1000


def upgrade() -> None:
    op.add_column("ledger_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("ledger_events", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("ledger_events", sa.Column("hash", sa.String(64), nullable=True))
    seq, head_hash = _backfill()
    with op.batch_alter_table("ledger_events") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(SEQ_UNIQUE, ["seq"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.get_bind().execute(
        sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
        {"seq": seq, "hash": head_hash},
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_checkpoints"),
    )


def _backfill() -> tuple[int, str]:
    """Chain the existing events in id order, a batch at a time; the head."""
    connection = op.get_bind()
    # Untyped columns: the values as stored, decoded the way the verifier
    # decodes them (hub.storage.audit_repository), so both hash the same.
    events = sa.table(
        "ledger_events",
        sa.column("id"),
        sa.column("subject_kind"),
        sa.column("subject_id"),
        sa.column("event"),
        sa.column("actor"),
        sa.column("at"),
        sa.column("details"),
        sa.column("seq"),
        sa.column("prev_hash"),
        sa.column("hash"),
    )
    statement = (
        sa.update(events)
        .where(events.c.id == sa.bindparam("b_id"))
        .values(
            seq=sa.bindparam("b_seq"),
            prev_hash=sa.bindparam("b_prev_hash"),
            hash=sa.bindparam("b_hash"),
        )
    )
    seq, prev_hash, last_id = 0, GENESIS, None
    while True:
        query = sa.select(
            events.c.id,
            events.c.subject_kind,
            events.c.subject_id,
            events.c.event,
            events.c.actor,
            events.c.at,
            events.c.details,
        ).order_by(events.c.id)
        if last_id is not None:
            query = query.where(events.c.id > last_id)
        rows = connection.execute(query.limit(_BACKFILL_BATCH)).all()
        if not rows:
            return seq, prev_hash
        updates = []
        for row in rows:
            at, details = decode_instant(row.at), decode_details(row.details)
            if at is None or details is None:
                raise RuntimeError(f"ledger event {row.id} has an unreadable instant or details")
            seq += 1
            digest = link(
                prev_hash,
                canonical_event(
                    seq, row.subject_kind, row.subject_id, row.event, row.actor, at, details
                ),
            )
            updates.append(
                {"b_id": row.id, "b_seq": seq, "b_prev_hash": prev_hash, "b_hash": digest}
            )
            prev_hash, last_id = digest, row.id
        connection.execute(statement, updates)


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_head")
    # One copy of the table on SQLite: a column under a UNIQUE constraint
    # cannot be dropped in place there.
    with op.batch_alter_table("ledger_events") as batch:
        batch.drop_constraint(SEQ_UNIQUE, type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
