"""Shenzhen CER blocks: the table (migration 0002).

``blocks`` holds every block issued, split or moved on; live blocks of one
series never overlap (the PostgreSQL exclusion constraint and the SQLite
trigger named below, created by the migrations). Written and read by
hub.storage.block_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["BLOCK_EXCLUSION_CONSTRAINT_NAME", "BLOCK_OVERLAP_TRIGGER_NAME", "BlockRow"]


class BlockRow(Base):
    """Shenzhen CER blocks: live (not SPLIT) blocks of a series never overlap.

    Enforced by the database: an exclusion constraint on PostgreSQL, a BEFORE
    INSERT trigger on SQLite; triggers keep a block's range fixed and a SPLIT
    block superseded (see migration 0002).
    """

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("serial"),
        CheckConstraint("first_unit >= 1 AND first_unit <= last_unit", name="range_ordered"),
        Index("ix_blocks_series_first_unit", "series", "first_unit"),
        Index("ix_blocks_partner_state", "partner", "state"),
        Index("ix_blocks_partner_adjustment_ref", "partner", "adjustment_ref"),
        Index("ix_blocks_parent_block_id", "parent_block_id"),
    )

    block_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[str] = mapped_column(String(500))
    series: Mapped[str] = mapped_column(String(400))
    origin: Mapped[str] = mapped_column(String(16))
    methodology: Mapped[str] = mapped_column(String(200))
    vintage: Mapped[int] = mapped_column(Integer)
    project: Mapped[str] = mapped_column(String(200))
    first_unit: Mapped[int] = mapped_column(BigInteger)
    last_unit: Mapped[int] = mapped_column(BigInteger)
    partner: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16))
    adjustment_ref: Mapped[str | None] = mapped_column(String(200))
    adjustment_status: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    parent_block_id: Mapped[str | None] = mapped_column(String(64))
    issuance_id: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    frozen: Mapped[bool] = mapped_column(Boolean)
    # Announced FROZEN for an overdue inventory exclusion (migration 0015).
    exclusion_frozen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


BLOCK_EXCLUSION_CONSTRAINT_NAME = "ex_blocks_no_overlap"


BLOCK_OVERLAP_TRIGGER_NAME = "tr_blocks_no_overlap"
