"""Reconciliations: the tables (migration 0002).

``reconciliations`` holds each reconciliation requested of a partner or the
exchange and its outcome; ``discrepancies`` what it found, each resolved at
most once. Written and read by hub.storage.reconciliation_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime, big_id

__all__ = ["DiscrepancyRow", "ReconciliationRow"]


class ReconciliationRow(Base):
    __tablename__ = "reconciliations"
    __table_args__ = (
        UniqueConstraint("reconciliation_id"),
        Index("ix_reconciliations_counterpart_status", "counterpart", "status"),
    )

    id: Mapped[int] = big_id()
    reconciliation_id: Mapped[str] = mapped_column(String(64))
    counterpart: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DiscrepancyRow(Base):
    __tablename__ = "discrepancies"
    __table_args__ = (
        UniqueConstraint("discrepancy_id"),
        Index("ix_discrepancies_reconciliation_id", "reconciliation_id"),
        Index("ix_discrepancies_resolved_block_id", "resolved", "block_id"),
    )

    id: Mapped[int] = big_id()
    discrepancy_id: Mapped[str] = mapped_column(String(64))
    reconciliation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("reconciliations.reconciliation_id")
    )
    phase: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(400))
    hub_value: Mapped[str] = mapped_column(Text)
    counterpart_value: Mapped[str] = mapped_column(Text)
    block_id: Mapped[str | None] = mapped_column(String(64))
    resolved: Mapped[bool] = mapped_column(Boolean)
    resolution: Mapped[str] = mapped_column(Text)
    resolved_by: Mapped[str] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
