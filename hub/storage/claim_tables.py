"""Claims and the locks they take: the tables.

``claims`` holds each decided claim once per (partner, record id), with its
verdict as first written; ``claim_locks`` the ranges no two claims may share,
kept disjoint by the database (the PostgreSQL exclusion constraint and the
SQLite triggers named below, created by the migrations);
``claim_content_locks`` the content locks, whose range is always one point,
under a plain unique key (since 0019); ``site_bindings`` a
site's Shenzhen methodology, for good; ``refused_resubmissions`` the audit
of record ids sent again with other content. Written and read by
hub.storage.claim_repository and hub.storage.claim_locks.

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.domain.locks import LockKind
from hub.storage.hex_digest_column import HexDigest
from hub.storage.hex_id_column import HexId
from hub.storage.instant_column import CompactInstant
from hub.storage.lock_key_column import LockKey
from hub.storage.lock_kind_column import LOCK_KIND_CODES, LockKindCode
from hub.storage.tables import Base, ExactDecimal, UtcDateTime

__all__ = [
    "EXCLUSION_CONSTRAINT_NAME",
    "IMMUTABLE_TRIGGER_NAME",
    "OVERLAP_TRIGGER_NAME",
    "RANGES_ONLY_CONSTRAINT_NAME",
    "RANGES_ONLY_TRIGGER_NAME",
    "ClaimCheckListRow",
    "ClaimContentLockRow",
    "ClaimContextRow",
    "ClaimLockRow",
    "ClaimRow",
    "ClaimTraceRow",
    "RefusedResubmissionRow",
    "ReportedPersonRow",
    "SiteBindingRow",
]


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("partner", "record_id"),
        # No (partner, decision) index since 0040: what read it looks claims
        # up by something narrower (a project, an adjustment, a record id).
        Index("ix_claims_decision_issuance_received_at", "decision", "issuance", "received_at"),
        # A project's claims (a review, a hold, a register's list): only
        # claims that name a project are in it (partial, 0038), so a
        # personal claim writes no entry. A query finds it through a term
        # that implies ``project_id IS NOT NULL`` (``project_id = ...``).
        Index(
            "ix_claims_partner_project_id",
            "partner",
            "project_id",
            sqlite_where=text("project_id IS NOT NULL"),
            postgresql_where=text("project_id IS NOT NULL"),
        ),
        # The claims waiting under a corresponding adjustment (partial, 0040:
        # a personal claim names none and writes no entry).
        Index(
            "ix_claims_partner_adjustment_ref",
            "partner",
            "adjustment_ref",
            sqlite_where=text("adjustment_ref IS NOT NULL"),
            postgresql_where=text("adjustment_ref IS NOT NULL"),
        ),
        # No index on person_pseudonym since 0035: whether a partner ever
        # reported a person is kept once per person (ReportedPersonRow).
    )

    claim_id: Mapped[str] = mapped_column(HexId, primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200))
    delivery_id: Mapped[str] = mapped_column(String(200))
    content_digest: Mapped[str] = mapped_column(HexDigest)
    decision: Mapped[str] = mapped_column(String(16))
    methodology: Mapped[str | None] = mapped_column(String(200))
    vintage: Mapped[int | None] = mapped_column(Integer)
    period_start: Mapped[datetime | None] = mapped_column(CompactInstant)
    period_end: Mapped[datetime | None] = mapped_column(CompactInstant)
    reported_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    recomputed_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    credited_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    # Since 0018 (lean rows): the shared part of the verdict's calculation
    # trace, stored once in claim_traces (NULL: the verdict has no trace; no
    # foreign key: those rows are only ever added), and the rest of the
    # verdict, the submission and the normalised claim beyond these columns,
    # MessagePack (hub.storage.claim_body). Read back, they give the verdict
    # first written, byte for byte on a resubmission. ``body`` is written for
    # every claim; nullable only because SQLite cannot add a NOT NULL column
    # to a table with rows in place (migration 0018).
    trace_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    # The verdict's checks when claims of the same batch share them, in
    # claim_check_lists (NULL: in the body).
    checks_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    # Since 0045: the submission's fields the claims of a delivery share
    # (delivery id, the partner's methodology, time zone, unit, region), in
    # claim_contexts when another claim of its batch has the same (NULL: in
    # the body and, the delivery id, in delivery_id; hub.storage.claim_contexts).
    context_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(CompactInstant)
    # Since 0002: where an ACCEPTED (or HELD) claim stands on its way to units,
    # the check that holds it, and the submission fields issuance accounts are
    # keyed by (stripped, empty as NULL), so the issuer need not parse JSON.
    issuance: Mapped[str | None] = mapped_column(String(40))
    hold_reason: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[str | None] = mapped_column(String(200))
    person_pseudonym: Mapped[str | None] = mapped_column(HexDigest)
    adjustment_ref: Mapped[str | None] = mapped_column(String(200))
    # The reporting platform a personal claim named (None: the agreement's
    # default); its pool is the claim's issuance account (migration 0007).
    platform: Mapped[str | None] = mapped_column(String(64))


class ReportedPersonRow(Base):
    """A person a partner has reported in a claim, whatever became of it (0035).

    What PERSON_NOT_REPORTED is told from (a person with claims but no points
    has a balance of 0). One row per (partner, person) instead of an index
    entry per claim: a province's people claim every day. SQLite: WITHOUT
    ROWID, the table is its key's B-tree. Rows are only ever added (by the
    transaction that stores the person's first claim from the partner).
    """

    __tablename__ = "reported_persons"
    __table_args__ = ({"sqlite_with_rowid": False},)

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str] = mapped_column(HexDigest, primary_key=True)


class ClaimTraceRow(Base):
    """The part of a calculation trace every claim of one (standard version,
    formula, factor set) shares: the trace's JSON without its inputs
    (hub.storage.shared_traces.shared_trace_text), once, keyed by its SHA-256."""

    __tablename__ = "claim_traces"
    __table_args__ = (UniqueConstraint("digest"),)

    trace_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    shared: Mapped[str] = mapped_column(Text)


class ClaimContextRow(Base):
    """What the claims of one delivery share of their submissions (0045):
    hub.storage.claim_contexts.context_text, once, keyed by its SHA-256."""

    __tablename__ = "claim_contexts"
    __table_args__ = (UniqueConstraint("digest"),)

    context_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    context: Mapped[str] = mapped_column(Text)


class ClaimCheckListRow(Base):
    """A verdict's checks as codes and parameters (hub.storage.claim_body.checks_text),
    once for the claims that fired the same, keyed by the SHA-256 of the text."""

    __tablename__ = "claim_check_lists"
    __table_args__ = (UniqueConstraint("digest"),)

    checks_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    checks: Mapped[str] = mapped_column(Text)


class ClaimLockRow(Base):
    """Double-issuance locks: no two rows with equal (kind, key) overlap.

    Enforced by the database: an exclusion constraint on PostgreSQL and a
    BEFORE INSERT trigger on SQLite (see the migrations). Since 0019 only
    the range kinds: a CONTENT lock here is refused (a CHECK on PostgreSQL,
    a trigger on SQLite, both created by the migration), so none can slip
    past the unique key of claim_content_locks.
    """

    __tablename__ = "claim_locks"
    __table_args__ = (
        CheckConstraint("lo <= hi", name="range_ordered"),
        # Only origin serial locks are looked up by their claim (a ledger
        # view's origin block, an attested cancellation shrinking it): their
        # key comes from the origin registry, not from the claim.
        Index(
            "ix_claim_locks_origin_claim_id",
            "claim_id",
            sqlite_where=text(f"kind = '{LOCK_KIND_CODES[LockKind.ORIGIN_SERIAL.value]}'"),
            postgresql_where=text(f"kind = '{LockKind.ORIGIN_SERIAL.value}'"),
        ),
        {"sqlite_with_rowid": False},
    )

    # Since 0033 the key is (kind, key, lo): locks of one (kind, key) never
    # overlap, so no two share their first second. On SQLite the table is
    # that key's B-tree (WITHOUT ROWID: no rowid, no second copy of the key
    # in an index). No index on claim_id for the other kinds: a claim's
    # locks are under the keys its submission gives
    # (hub.domain.locks.range_lock_keys; hub.storage.claim_locks).
    # On SQLite its number (hub.storage.lock_kind_column, 0036).
    kind: Mapped[str] = mapped_column(LockKindCode, primary_key=True)
    key: Mapped[str] = mapped_column(LockKey, primary_key=True)
    lo: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hi: Mapped[int] = mapped_column(BigInteger)
    claim_id: Mapped[str] = mapped_column(HexId, ForeignKey("claims.claim_id", ondelete="CASCADE"))


class ClaimContentLockRow(Base):
    """Content locks (LockKind.CONTENT, always the point [0, 0]): the key is the
    submission's digest without its record id, unique, so a second claim of
    the same reduction is refused by the key alone, as a unique violation.

    SQLite: WITHOUT ROWID, the table is its key's B-tree (no rowid and no
    second copy of the 64-character key in a separate index). No index on
    claim_id either (it would double the table): a released claim's lock is
    found by its key, the digest of the claim's stored submission
    (hub.storage.claim_locks.release_locks), and claims are never deleted.
    """

    __tablename__ = "claim_content_locks"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(LockKey, primary_key=True)
    claim_id: Mapped[str] = mapped_column(HexId, ForeignKey("claims.claim_id", ondelete="CASCADE"))


class SiteBindingRow(Base):
    """A site belongs to one Shenzhen methodology (programme) for good."""

    __tablename__ = "site_bindings"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    methodology: Mapped[str] = mapped_column(String(200))
    claim_id: Mapped[str] = mapped_column(HexId, ForeignKey("claims.claim_id", ondelete="CASCADE"))


class RefusedResubmissionRow(Base):
    """Audit of record ids re-sent with changed content (refused)."""

    __tablename__ = "refused_resubmissions"
    __table_args__ = (Index("ix_refused_resubmissions_partner_record_id", "partner", "record_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    partner: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200))
    original_claim_id: Mapped[str] = mapped_column(HexId, ForeignKey("claims.claim_id"))
    content_digest: Mapped[str] = mapped_column(String(64))
    submission: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


EXCLUSION_CONSTRAINT_NAME = "ex_claim_locks_no_overlap"


OVERLAP_TRIGGER_NAME = "tr_claim_locks_no_overlap"


IMMUTABLE_TRIGGER_NAME = "tr_claim_locks_immutable"


# Since 0019: claim_locks refuses a CONTENT lock (PostgreSQL CHECK, SQLite trigger).
RANGES_ONLY_CONSTRAINT_NAME = "ck_claim_locks_ranges_only"


RANGES_ONLY_TRIGGER_NAME = "tr_claim_locks_ranges_only"
