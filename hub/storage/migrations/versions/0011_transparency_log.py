"""The transparency log (issue 18): the hashes of the complete subtrees of the
RFC 9162 Merkle tree over the audit events, and the hub's signed tree heads
(hub.storage.merkle_tables).

Nothing is backfilled here: the tree is built from the existing audit
events by the integrator (``carbon-hub serve``'s checkpointer, or
``carbon-hub audit checkpoint``), which checks their hash chain first, so
an existing ledger gets its tree at its next checkpoint.

Revision ID: 0011_transparency_log
Revises: 0010_certificates
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_transparency_log"
down_revision: str | None = "0010_certificates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("level >= 0 AND level < 64", name="ck_merkle_nodes_level_range"),
        sa.CheckConstraint("idx >= 0", name="ck_merkle_nodes_index_not_negative"),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_merkle_nodes"),
        sqlite_with_rowid=False,  # the key is the table: no second index beside it
    )
    op.create_table(
        "merkle_tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("tree_size >= 1", name="ck_merkle_tree_heads_size_positive"),
        sa.PrimaryKeyConstraint("tree_size", name="pk_merkle_tree_heads"),
    )


def downgrade() -> None:
    op.drop_table("merkle_tree_heads")
    op.drop_table("merkle_nodes")
