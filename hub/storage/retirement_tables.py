"""Retirements: the tables (migration 0002).

``retirements`` holds each retirement once per id, with the request as
received; ``offset_usage`` what an ETS entity retired for offsetting in a
compliance year, versioned. Written and read by
hub.storage.retirement_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["OffsetUsageRow", "RetirementRow"]


class RetirementRow(Base):
    __tablename__ = "retirements"
    __table_args__ = (Index("ix_retirements_retired_block_id", "retired_block_id"),)

    retirement_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    request: Mapped[str] = mapped_column(Text)  # JSON of the RetirementRequest
    retired_block_id: Mapped[str] = mapped_column(String(64))
    remainder_block_id: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OffsetUsageRow(Base):
    __tablename__ = "offset_usage"

    entity: Mapped[str] = mapped_column(String(200), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    units_by_origin: Mapped[str] = mapped_column(Text)  # JSON object origin -> units
    version: Mapped[int] = mapped_column(Integer)
