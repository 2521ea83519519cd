"""Projects: the tables.

``projects`` holds a partner's registered projects with their review state
and asset fingerprint; ``project_supervision`` the bureau's suspension of a
project, beside the partner's own status. Written and read by
hub.storage.project_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["ProjectRow", "ProjectSupervisionRow"]


class ProjectRow(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_asset_fingerprint", "asset_fingerprint"),)

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    owner_name: Mapped[str] = mapped_column(Text)
    owner_credit_code: Mapped[str] = mapped_column(String(64))
    partner_methodology: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(32))
    longitude: Mapped[str] = mapped_column(String(64))
    latitude: Mapped[str] = mapped_column(String(64))
    size_value: Mapped[str] = mapped_column(String(64))
    size_unit: Mapped[str] = mapped_column(String(32))
    crediting_start: Mapped[date] = mapped_column(Date)
    crediting_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The bureau's review (0005): hub.domain.project_review.ProjectReviewState.
    review_state: Mapped[str] = mapped_column(String(16))
    asset_fingerprint: Mapped[str | None] = mapped_column(String(200))


class ProjectSupervisionRow(Base):
    """The bureau's suspension of a project, beside the partner's own status."""

    __tablename__ = "project_supervision"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    suspended: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
