"""Inventory exclusions (issue 16): the quantity (tCO2e) and vintage each
attestation covers, beside its status (which may now be REVOKED).

Nothing to backfill: attestations recorded before the wire carried quantity
and vintage keep them empty, as they were attested.

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


def downgrade() -> None:
    with op.batch_alter_table("adjustment_attestations") as batch:
        batch.drop_column("vintage")
        batch.drop_column("quantity")
