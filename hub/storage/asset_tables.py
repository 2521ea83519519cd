"""Where registered assets can be found: index keys and parcel boundaries.

Kept apart from hub.storage.tables (one concept per module) on its shared
MetaData: every module that needs the complete metadata (the migrations'
env, the schema test) imports this one too.

``asset_index`` holds the keys a project is found under
(hub.domain.asset_matching.stored_keys: a fine grid cell for a generating
asset, the coarse cells its footprint touches for a parcel); a new
registration guards the keys it would match (``asset_guards``, which also
guards the projects' asset fingerprints) before it reads this table, so of
two registrations that match, the second finds the first.
``project_boundaries`` holds a parcel's boundary as the hub stored it (WKT,
longitude first) with its area.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base

__all__ = ["AssetGuardRow", "AssetIndexRow", "ProjectBoundaryRow"]


class AssetGuardRow(Base):
    """One row per asset fingerprint ever registered or looked for (0005).

    A registration writes the guard of every fingerprint it matches before it
    looks for registered projects: a concurrent registration of the same
    asset waits on (or conflicts with) that row instead of missing the other
    project. Nothing reads these rows.
    """

    __tablename__ = "asset_guards"

    asset_fingerprint: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class AssetIndexRow(Base):
    __tablename__ = "asset_index"
    __table_args__ = (Index("ix_asset_index_project", "partner", "project_id"),)

    index_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class ProjectBoundaryRow(Base):
    __tablename__ = "project_boundaries"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    boundary: Mapped[str] = mapped_column(Text)  # canonical WKT
    crs: Mapped[str] = mapped_column(String(16))  # EPSG:4326 or EPSG:4490
    area_ha: Mapped[str] = mapped_column(String(40))  # exact decimal text
