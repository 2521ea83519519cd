"""The bureau's review of projects: projects.review_state and asset fingerprints.

Projects stored before this revision were accepted on registration, so they
become APPROVED. Their asset fingerprints are computed with the standard
bundled with the hub (the one they were registered under unless the hub runs
another standards directory; a re-registration fingerprints them again), so
a new registration of the same asset finds them. ``asset_guards`` holds the
row a registration writes per fingerprint before it looks for the asset (see
hub.storage.asset_tables.AssetGuardRow).

Revision ID: 0005_review
Revises: 0004_audit_chain
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.domain.asset_fingerprints import fingerprint
from hub.domain.normalisation import parse_decimal
from hub.standard import Standard, StandardError, default_standards_dir, load_standard

revision: str = "0005_review"
down_revision: str | None = "0004_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINGERPRINT_INDEX = "ix_projects_asset_fingerprint"


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("review_state", sa.String(16), nullable=False, server_default="APPROVED")
        )
        batch.add_column(sa.Column("asset_fingerprint", sa.String(200), nullable=True))
    # The default only fills the existing rows: every insert names its state.
    with op.batch_alter_table("projects") as batch:
        batch.alter_column("review_state", existing_type=sa.String(16), server_default=None)
    op.create_index(FINGERPRINT_INDEX, "projects", ["asset_fingerprint"])
    op.create_table(
        "asset_guards",
        sa.Column("asset_fingerprint", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("asset_fingerprint", name="pk_asset_guards"),
    )
    # A project the bureau suspended before 0005 is SUSPENDED, not APPROVED.
    op.get_bind().execute(
        sa.text(
            "UPDATE projects SET review_state = 'SUSPENDED' WHERE EXISTS ("
            " SELECT 1 FROM project_supervision s WHERE s.partner = projects.partner"
            " AND s.project_id = projects.project_id AND s.suspended)"
        )
    )
    _backfill_fingerprints()


def _bundled_standard() -> Standard | None:
    try:
        return load_standard(default_standards_dir())
    except StandardError:
        return None


def _backfill_fingerprints() -> None:
    standard = _bundled_standard()
    if standard is None:
        return
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT partner, project_id, partner_methodology, latitude, longitude,"
            " size_value, size_unit FROM projects"
        )
    ).all()
    for row in rows:
        entry = standard.crosswalk_entry(row.partner, row.partner_methodology)
        lat, lon, size = (
            parse_decimal(row.latitude),
            parse_decimal(row.longitude),
            parse_decimal(row.size_value),
        )
        if entry is None or lat is None or lon is None or size is None:
            continue
        found = fingerprint(entry.methodology, lat, lon, size, row.size_unit)
        if found is None:
            continue
        bind.execute(
            sa.text(
                "UPDATE projects SET asset_fingerprint = :key"
                " WHERE partner = :partner AND project_id = :project_id"
            ),
            {"key": found.key, "partner": row.partner, "project_id": row.project_id},
        )


def downgrade() -> None:
    op.drop_table("asset_guards")
    op.drop_index(FINGERPRINT_INDEX, table_name="projects")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("asset_fingerprint")
        batch.drop_column("review_state")
