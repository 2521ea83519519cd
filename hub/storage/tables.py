"""The ledger's tables as typed SQLAlchemy declarative mappings.

The mappings describe the schema for queries and for Alembic's
autogenerate comparison; the schema itself is created by the hand-written
migrations in hub/storage/migrations (including what the ORM cannot say:
the exclusion constraint on PostgreSQL and the overlap trigger on SQLite).

The hot path does not build ORM objects: the repositories use these
classes as Core tables (``insert(ClaimRow)`` with lists of dicts, ``select``
of columns).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal that comes back exactly as it went in.

    PostgreSQL: NUMERIC without precision or scale, which keeps every digit
    and the scale (1.50 stays 1.50). Elsewhere (SQLite has no decimal type
    and would store a float): the decimal's text.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected Decimal, got {type(value).__name__}")
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC and read back aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the ledger stores aware UTC instants")
        utc = value.astimezone(UTC)
        # SQLite keeps text without an offset; PostgreSQL keeps timestamptz.
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProjectRow(Base):
    __tablename__ = "projects"

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


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("partner", "record_id"),
        Index("ix_claims_partner_decision", "partner", "decision"),
        Index("ix_claims_delivery_id", "delivery_id"),
    )

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200))
    delivery_id: Mapped[str] = mapped_column(String(200))
    content_digest: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    methodology: Mapped[str | None] = mapped_column(String(200))
    vintage: Mapped[int | None] = mapped_column(Integer)
    period_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reported_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    recomputed_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    credited_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    # JSON kept as the exact text written (hub.storage.serialisation), so the
    # original verdict is returned byte for byte on a resubmission.
    verdict: Mapped[str] = mapped_column(Text)
    submission: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClaimLockRow(Base):
    """Double-issuance locks: no two rows with equal (kind, key) overlap.

    Enforced by the database: an exclusion constraint on PostgreSQL and a
    BEFORE INSERT trigger on SQLite (see the migrations).
    """

    __tablename__ = "claim_locks"
    __table_args__ = (
        CheckConstraint("lo <= hi", name="range_ordered"),
        Index("ix_claim_locks_kind_key_lo", "kind", "key", "lo"),
        Index("ix_claim_locks_claim_id", "claim_id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    claim_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("claims.claim_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text)
    lo: Mapped[int] = mapped_column(BigInteger)
    hi: Mapped[int] = mapped_column(BigInteger)


class SiteBindingRow(Base):
    """A site belongs to one Shenzhen methodology (programme) for good."""

    __tablename__ = "site_bindings"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    methodology: Mapped[str] = mapped_column(String(200))
    claim_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("claims.claim_id", ondelete="CASCADE")
    )


class RefusedResubmissionRow(Base):
    """Audit of record ids re-sent with changed content (refused)."""

    __tablename__ = "refused_resubmissions"
    __table_args__ = (Index("ix_refused_resubmissions_partner_record_id", "partner", "record_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    partner: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200))
    original_claim_id: Mapped[str] = mapped_column(String(64), ForeignKey("claims.claim_id"))
    content_digest: Mapped[str] = mapped_column(String(64))
    submission: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


EXCLUSION_CONSTRAINT_NAME = "ex_claim_locks_no_overlap"
OVERLAP_TRIGGER_NAME = "tr_claim_locks_no_overlap"
IMMUTABLE_TRIGGER_NAME = "tr_claim_locks_immutable"
