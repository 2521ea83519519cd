"""What a register entry covers (issue 16): the register's own asset id, the
period it credited and the serial range it issued, on ``register_entries``
(hub.storage.register_tables). Claims are compared with them
(hub.domain.register_claims).

Nothing to backfill: entries loaded before this revision named their asset
by point and size only, and keep empty values (a listing of the asset).

Revision ID: 0016_register_coverage
Revises: 0015_inventory_exclusion_terms
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_register_coverage"
down_revision: str | None = "0015_inventory_exclusion_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("asset_id", 200),
    ("period_start", 10),
    ("period_end", 10),
    ("serial_range", 200),
)


def upgrade() -> None:
    # ADD COLUMN in place on both databases (no batch rebuild).
    for name, length in _COLUMNS:
        op.add_column(
            "register_entries",
            sa.Column(name, sa.String(length), nullable=False, server_default=""),
        )


def downgrade() -> None:
    with op.batch_alter_table("register_entries") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
