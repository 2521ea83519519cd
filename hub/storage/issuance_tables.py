"""Issuance: the tables (migration 0002).

``carry_accounts`` holds each issuance account's remainder below a whole
tonne, versioned for conditional updates; ``serial_series`` the next unused
unit number of a series; ``issuances`` what each account's issuance in a run
made; ``claim_issuances`` one row per issued claim and vintage (a claim
whose period spans 31 December is issued in one part per calendar year,
migration 0017; each part is issued once).
Written and read by hub.storage.issuance_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.hex_id_column import HexId
from hub.storage.tables import Base, ExactDecimal, UtcDateTime

__all__ = ["NO_ADJUSTMENT", "CarryAccountRow", "ClaimIssuanceRow", "IssuanceRow", "SerialSeriesRow"]


class CarryAccountRow(Base):
    """An issuance account's fractional remainder, versioned for conditional updates."""

    __tablename__ = "carry_accounts"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    methodology: Mapped[str] = mapped_column(String(200), primary_key=True)
    vintage: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(300), primary_key=True)
    # NO_ADJUSTMENT ('') for None: a primary-key column cannot hold NULL.
    adjustment_ref: Mapped[str] = mapped_column(String(200), primary_key=True)
    carried: Mapped[Decimal] = mapped_column(ExactDecimal)
    version: Mapped[int] = mapped_column(Integer)


NO_ADJUSTMENT = ""


class SerialSeriesRow(Base):
    """The next unused unit number of one serial series."""

    __tablename__ = "serial_series"
    __table_args__ = (CheckConstraint("next_unit >= 1", name="positive"),)

    series: Mapped[str] = mapped_column(String(400), primary_key=True)
    next_unit: Mapped[int] = mapped_column(BigInteger)


class IssuanceRow(Base):
    __tablename__ = "issuances"
    __table_args__ = (Index("ix_issuances_partner", "partner"),)

    issuance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    methodology: Mapped[str] = mapped_column(String(200))
    vintage: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(300))
    adjustment_ref: Mapped[str | None] = mapped_column(String(200))
    carried_before: Mapped[Decimal] = mapped_column(ExactDecimal)
    units: Mapped[int] = mapped_column(BigInteger)
    carried_after: Mapped[Decimal] = mapped_column(ExactDecimal)
    block_id: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClaimIssuanceRow(Base):
    """One row per issued claim and vintage part: the primary key lets each
    part of a claim be issued once (hub.domain.vintage_parts)."""

    __tablename__ = "claim_issuances"
    __table_args__ = (Index("ix_claim_issuances_issuance_id", "issuance_id"),)

    claim_id: Mapped[str] = mapped_column(HexId, primary_key=True)
    vintage: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuance_id: Mapped[str] = mapped_column(String(64), ForeignKey("issuances.issuance_id"))
    credited_tco2e: Mapped[Decimal] = mapped_column(ExactDecimal)
