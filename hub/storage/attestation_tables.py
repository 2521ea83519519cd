"""Partners' attestations: the tables (migration 0002).

``source_cancellations`` holds one cancellation at source per claim, per
cancellation id and per origin serial; ``adjustment_attestations`` the
history of an accounting adjustment's (inventory exclusion's) status.
Written and read by hub.storage.attestation_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.hex_id_column import HexId
from hub.storage.tables import Base, ExactDecimal, UtcDateTime, big_id

__all__ = ["AdjustmentAttestationRow", "SourceCancellationRow"]


class SourceCancellationRow(Base):
    """One cancellation at source per claim, per cancellation id, per origin serial."""

    __tablename__ = "source_cancellations"
    __table_args__ = (
        UniqueConstraint("partner", "cancellation_id"),
        UniqueConstraint("origin_serial"),
    )

    claim_id: Mapped[str] = mapped_column(HexId, primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    origin_serial: Mapped[str] = mapped_column(String(400))
    cancellation_id: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    cancelled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attested_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AdjustmentAttestationRow(Base):
    """The history of a reference's adjustment status; the latest row counts."""

    __tablename__ = "adjustment_attestations"
    __table_args__ = (
        Index("ix_adjustment_attestations_partner_reference", "partner", "reference"),
    )

    id: Mapped[int] = big_id()
    partner: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    attested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text)
    # What the inventory exclusion covers (migration 0015); None before the wire had them.
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    vintage: Mapped[int | None] = mapped_column(Integer, nullable=True)
