"""External registers' lists (issue 16): versions of each register's list, their
entries and the index keys they are found under (hub.storage.register_tables).

Nothing to backfill: the bureau loads the lists with ``carbon-hub registers
import``.

Revision ID: 0014_external_registers
Revises: 0013_daily_totals
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_external_registers"
down_revision: str | None = "0013_daily_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_imports",
        sa.Column("import_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("import_id", name="pk_register_imports"),
        sa.UniqueConstraint("kind", "version", name="uq_register_imports_kind_version"),
    )
    op.create_table(
        "register_entries",
        sa.Column("import_id", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("latitude", sa.String(64), nullable=False),
        sa.Column("longitude", sa.String(64), nullable=False),
        sa.Column("size", sa.String(64), nullable=False),
        sa.Column("size_unit", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "entry_id", name="pk_register_entries"),
    )
    op.create_table(
        "register_entry_keys",
        sa.Column("import_id", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("index_key", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint(
            "import_id", "entry_id", "index_key", name="pk_register_entry_keys"
        ),
    )
    op.create_index("ix_register_entry_keys_key", "register_entry_keys", ["index_key"])


def downgrade() -> None:
    op.drop_index("ix_register_entry_keys_key", table_name="register_entry_keys")
    op.drop_table("register_entry_keys")
    op.drop_table("register_entries")
    op.drop_table("register_imports")
