"""Asset matching with tolerance (issue 16): the asset index and parcel boundaries.

``asset_index`` holds the keys each project is found under
(hub.domain.asset_matching.stored_keys); ``project_boundaries`` a parcel's
boundary as WKT. Every project stored before this revision is indexed from
its stored fingerprint, point and size, so a new registration of the same
asset, within the standard's tolerances, finds it. None has a boundary yet:
parcels registered before are matched by the point-and-area rule until their
partner registers them again with one.

Revision ID: 0012_asset_index
Revises: 0011_transparency_log
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.domain.asset_fingerprints import parse_key
from hub.domain.asset_matching import site_of, stored_keys
from hub.domain.normalisation import parse_decimal

revision: str = "0012_asset_index"
down_revision: str | None = "0011_transparency_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_index",
        sa.Column("index_key", sa.String(200), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("index_key", "partner", "project_id", name="pk_asset_index"),
    )
    op.create_index("ix_asset_index_project", "asset_index", ["partner", "project_id"])
    op.create_table(
        "project_boundaries",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(200), nullable=False),
        sa.Column("boundary", sa.Text(), nullable=False),
        sa.Column("crs", sa.String(16), nullable=False),
        sa.Column("area_ha", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("partner", "project_id", name="pk_project_boundaries"),
    )
    _index_existing_projects()


def _index_existing_projects() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT partner, project_id, asset_fingerprint, latitude, longitude,"
            " size_value, size_unit FROM projects WHERE asset_fingerprint IS NOT NULL"
        )
    ).all()
    index_rows: list[dict[str, str]] = []
    for row in rows:
        asset = parse_key(row.asset_fingerprint)
        lat, lon = parse_decimal(row.latitude), parse_decimal(row.longitude)
        size = parse_decimal(row.size_value)
        if asset is None or lat is None or lon is None or size is None:
            continue
        site = site_of(row.partner, row.project_id, asset.family, lat, lon, size, row.size_unit)
        if site is None:
            continue
        index_rows.extend(
            {"index_key": key, "partner": row.partner, "project_id": row.project_id}
            for key in stored_keys(site)
        )
    if index_rows:
        table = sa.table(
            "asset_index",
            sa.column("index_key", sa.String),
            sa.column("partner", sa.String),
            sa.column("project_id", sa.String),
        )
        op.bulk_insert(table, index_rows)


def downgrade() -> None:
    op.drop_table("project_boundaries")
    op.drop_index("ix_asset_index_project", table_name="asset_index")
    op.drop_table("asset_index")
