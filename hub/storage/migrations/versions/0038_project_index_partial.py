"""The claims' (partner, project_id) index holds project claims only (issue 18).

``ix_claims_partner_project_id`` had an entry for every claim, a personal
claim's included, whose ``project_id`` is NULL (16 bytes a personal claim on
SQLite). What reads it looks up a named project (a review, a hold, a
register's list: ``project_id = ...``), which implies ``project_id IS NOT
NULL``. Now the index is partial, on both databases: ``WHERE project_id IS
NOT NULL``.

Downgrade creates the whole index again.

Revision ID: 0038_project_index_partial
Revises: 0037_events_by_seq
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0038_project_index_partial"
down_revision: str | None = "0037_events_by_seq"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_claims_partner_project_id"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="claims")
    op.execute(f"CREATE INDEX {INDEX} ON claims (partner, project_id) WHERE project_id IS NOT NULL")


def downgrade() -> None:
    op.drop_index(INDEX, table_name="claims")
    op.create_index(INDEX, "claims", ["partner", "project_id"])
