"""Inventory exclusions (issue 16): the quantity (tCO2e) and vintage each
attestation covers, beside its status (which may now be REVOKED), and on each
block whether the exchange was told it is frozen because its exclusion was
not COMPLETED in time (``blocks.exclusion_frozen``).

Nothing to backfill: attestations recorded before the wire carried quantity
and vintage keep them empty, as they were attested; no block was announced
frozen for an overdue exclusion before this revision.

Revision ID: 0015_inventory_exclusion_terms
Revises: 0014_external_registers
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.storage.tables import ExactDecimal

revision: str = "0015_inventory_exclusion_terms"
down_revision: str | None = "0014_external_registers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adjustment_attestations") as batch:
        batch.add_column(sa.Column("quantity", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("vintage", sa.Integer(), nullable=True))
    # Not in batch mode: on SQLite that would rebuild ``blocks`` without its
    # triggers (migration 0002); ADD and DROP COLUMN work in place on both.
    op.add_column(
        "blocks",
        sa.Column("exclusion_frozen", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE blocks DROP COLUMN exclusion_frozen")
    with op.batch_alter_table("adjustment_attestations") as batch:
        batch.drop_column("vintage")
        batch.drop_column("quantity")
