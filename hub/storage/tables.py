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
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
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


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("partner", "record_id"),
        Index("ix_claims_partner_decision", "partner", "decision"),
        Index("ix_claims_delivery_id", "delivery_id"),
        Index("ix_claims_decision_issuance_received_at", "decision", "issuance", "received_at"),
        Index("ix_claims_partner_project_id", "partner", "project_id"),
        # A person's counted travel by day (hub.storage.mobility_repository, 0008).
        Index("ix_claims_person_pseudonym_period_start", "person_pseudonym", "period_start"),
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
    # Since 0002: where an ACCEPTED (or HELD) claim stands on its way to units,
    # the check that holds it, and the submission fields issuance accounts are
    # keyed by (stripped, empty as NULL), so the issuer need not parse JSON.
    issuance: Mapped[str | None] = mapped_column(String(40))
    hold_reason: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[str | None] = mapped_column(String(200))
    person_pseudonym: Mapped[str | None] = mapped_column(String(200))
    adjustment_ref: Mapped[str | None] = mapped_column(String(200))
    # The reporting platform a personal claim named (None: the agreement's
    # default); its pool is the claim's issuance account (migration 0007).
    platform: Mapped[str | None] = mapped_column(String(64))


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


def _big_id() -> Mapped[int]:
    return mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


# --- issuance (0002) ----------------------------------------------------------


class ProjectSupervisionRow(Base):
    """The bureau's suspension of a project, beside the partner's own status."""

    __tablename__ = "project_supervision"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    suspended: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


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
    """One row per issued claim: the primary key lets a claim be issued once."""

    __tablename__ = "claim_issuances"
    __table_args__ = (Index("ix_claim_issuances_issuance_id", "issuance_id"),)

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuance_id: Mapped[str] = mapped_column(String(64), ForeignKey("issuances.issuance_id"))
    credited_tco2e: Mapped[Decimal] = mapped_column(ExactDecimal)


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


class OutboxRow(Base):
    """Events for the exchange, read by cursor; cursors follow commit order."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "uq_outbox_qualified_block_id",
            "block_id",
            unique=True,
            sqlite_where=text("kind = 'QUALIFIED'"),
            postgresql_where=text("kind = 'QUALIFIED'"),
        ),
    )

    cursor: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    block_id: Mapped[str] = mapped_column(String(64), ForeignKey("blocks.block_id"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxCounterRow(Base):
    """The single row holding the last outbox cursor handed out."""

    __tablename__ = "outbox_counter"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_cursor: Mapped[int] = mapped_column(BigInteger)


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


class SourceCancellationRow(Base):
    """One cancellation at source per claim, per cancellation id, per origin serial."""

    __tablename__ = "source_cancellations"
    __table_args__ = (
        UniqueConstraint("partner", "cancellation_id"),
        UniqueConstraint("origin_serial"),
    )

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
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

    id: Mapped[int] = _big_id()
    partner: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    attested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text)
    # What the inventory exclusion covers (migration 0015); None before the wire had them.
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    vintage: Mapped[int | None] = mapped_column(Integer, nullable=True)


class LedgerEventRow(Base):
    """Append-only state transitions: a hash chain in seq order (hub.domain.audit_chain)."""

    __tablename__ = "ledger_events"
    __table_args__ = (
        Index("ix_ledger_events_subject_kind_subject_id", "subject_kind", "subject_id"),
        UniqueConstraint("seq"),
    )

    id: Mapped[int] = _big_id()
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    details: Mapped[str] = mapped_column(Text)  # JSON object of strings
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ReconciliationRow(Base):
    __tablename__ = "reconciliations"
    __table_args__ = (
        UniqueConstraint("reconciliation_id"),
        Index("ix_reconciliations_counterpart_status", "counterpart", "status"),
    )

    id: Mapped[int] = _big_id()
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

    id: Mapped[int] = _big_id()
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


EXCLUSION_CONSTRAINT_NAME = "ex_claim_locks_no_overlap"
OVERLAP_TRIGGER_NAME = "tr_claim_locks_no_overlap"
IMMUTABLE_TRIGGER_NAME = "tr_claim_locks_immutable"
BLOCK_EXCLUSION_CONSTRAINT_NAME = "ex_blocks_no_overlap"
BLOCK_OVERLAP_TRIGGER_NAME = "tr_blocks_no_overlap"


# --- trust: partner signing keys and signed writes ---------------------------


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
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signer: Mapped[str] = mapped_column(String(200))
