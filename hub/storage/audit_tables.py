"""The audit log's tables: ``ledger_events`` (every concept's transitions,
appended and chained), the chain's single head row and the hub's signed
checkpoints (migration 0004). Written and read by hub.storage.audit_repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hub.storage.event_subject_column import EventSubject
from hub.storage.instant_column import CompactInstant
from hub.storage.tables import Base, UtcDateTime


class Digest(TypeDecorator[bytes]):
    """Raw bytes bound as they are: sqlite3 and psycopg both take ``bytes``, so
    the appender's bulk insert does not wrap each row's hash (LargeBinary's
    bind processor makes a ``memoryview`` per value). BLOB / BYTEA as LargeBinary."""

    impl = LargeBinary
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        return None


class LedgerEventRow(Base):
    """Append-only state transitions: a hash chain in seq order (hub.domain.audit_chain)."""

    __tablename__ = "ledger_events"
    __table_args__ = (
        # A subject's events by its id alone (0042): ids of different kinds
        # seldom meet, and the readers name the kind beside it; the kind's
        # text in every entry (five bytes a claim's event) bought nothing.
        Index("ix_ledger_events_subject_id", "subject_id"),
    )

    # The row's place in the chain, its key since 0037: seqs are unique and
    # given by the appender under the chain's head, so a surrogate id beside
    # them (and seq's own unique index) stored each row's number twice more.
    # On SQLite INTEGER PRIMARY KEY: the rowid itself, kept in the B-tree's
    # cell, not in the row.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    subject_kind: Mapped[str] = mapped_column(String(32))
    # On SQLite a hub id (32 hex digits) as its 16 bytes, other ids as text
    # (hub.storage.event_subject_column, migration 0031).
    subject_id: Mapped[str] = mapped_column(EventSubject)
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    # On SQLite integer microseconds since 1970 (hub.storage.instant_column, 0031).
    at: Mapped[datetime] = mapped_column(CompactInstant)
    # The details, one of two ways (hub.storage.audit_repository reads both):
    # packed (hub.storage.packed_details, migration 0025), ``details`` then
    # empty; or, as rows were written before, compact JSON text of a map of
    # strings with ``packed`` NULL.
    details: Mapped[str] = mapped_column(Text)
    packed: Mapped[bytes | None] = mapped_column(Digest)  # raw bytes, bound as they are
    # The chain hash as its 32 raw bytes (migration 0021); the previous hash
    # is the row at seq - 1's, so it is not stored again. Hex from the
    # repository on: hub.storage.audit_repository.
    hash: Mapped[bytes] = mapped_column(Digest)


class AuditHeadRow(Base):
    """The single row holding the chain's last (seq, hash).

    Appenders lock it (PostgreSQL: SELECT ... FOR UPDATE) and advance it in
    the transaction that inserts their events, so seqs follow commit order
    and the chain never forks; the verifier reads it to see rows removed at
    the end or slipped in after it.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpointRow(Base):
    """The hub's Ed25519 signature over the chain's (seq, hash) at a moment."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
