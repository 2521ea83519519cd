"""Partner signing keys and signed writes: the tables.

``partner_keys`` holds partners' public signing keys with their validity;
``partner_sequences`` the last sequence accepted per partner;
``signed_payloads`` every accepted signed write as received (its payload
deflated where that keeps fewer bytes). Written and
read by hub.storage.key_repository.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["PartnerKeyRow", "PartnerSequenceRow", "SignedPayloadRow"]


class PartnerKeyRow(Base):
    """Partner public signing keys, registered with their agreement."""

    __tablename__ = "partner_keys"
    __table_args__ = (Index("ix_partner_keys_partner", "partner"),)

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    registered_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)


class PartnerSequenceRow(Base):
    """The last sequence accepted per partner: advanced by a conditional update,
    so two replicas cannot both accept the same or an older sequence."""

    __tablename__ = "partner_sequences"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)


class SignedPayloadRow(Base):
    """Every accepted signed write, as received: the non-repudiable record."""

    __tablename__ = "signed_payloads"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload_type: Mapped[str] = mapped_column(String(80))
    key_id: Mapped[str] = mapped_column(String(64), ForeignKey("partner_keys.key_id"))
    # The bytes as stored: ``payload_codec`` says how to read them back
    # (hub.storage.payload_codec).
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_codec: Mapped[str] = mapped_column(String(16), server_default="identity")
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signer: Mapped[str] = mapped_column(String(200))
