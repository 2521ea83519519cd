"""Carbon-neutrality claims and their certificates (issue 19, migration 0010+).

Kept apart from hub.storage.tables (one concept per module) but on its
shared MetaData: every module that needs the complete metadata (the
migrations' env, the unit of work, the schema test) imports this module.

The rules that must hold with several hub processes on one database are the
database's: one row per claim id (its retired units moved by a conditional
update on its version, so two retirements of one claim cannot both pass its
total), one claim row per retirement id, one certificate per claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["CertificateRow", "ClaimRetirementRow", "NeutralityClaimRow"]


class NeutralityClaimRow(Base):
    __tablename__ = "neutrality_claims"
    __table_args__ = (CheckConstraint("retired_units <= total_units", name="retired_within_total"),)

    claim_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    claim: Mapped[str] = mapped_column(Text)  # JSON of hub.domain.neutrality.NeutralityClaim
    claim_digest: Mapped[str] = mapped_column(String(64))
    total_units: Mapped[int] = mapped_column(BigInteger)
    retired_units: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClaimRetirementRow(Base):
    """One retirement counted towards a claim, with what its certificate lists."""

    __tablename__ = "neutrality_claim_retirements"

    retirement_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    claim_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("neutrality_claims.claim_id"), index=True
    )
    retired_block_id: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(500))
    units: Mapped[int] = mapped_column(BigInteger)
    retired_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CertificateRow(Base):
    __tablename__ = "certificates"

    certificate_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    claim_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("neutrality_claims.claim_id"), unique=True
    )
    # The signed statement's JSON (hub.domain.neutrality.certificate_to_json):
    # kept as issued, never rewritten; validity is read from the blocks.
    statement: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
