"""The carbon points (碳积分) ledger's tables (issue 14, migration 0009).

Kept apart from hub.storage.tables (one concept per module) but on its
shared MetaData, so Alembic's comparison and the schema test see them:
hub.storage.tables imports nothing from here, so every module that needs
the complete metadata (the migrations' env, the unit of work) imports this
module too.

The ledger is append-only: an entry is an AWARD (for a credited personal
claim), its REVERSAL (the claim later rejected or voided), a REDEMPTION
(by the partner, idempotent by its id) or an EXPIRY (the unredeemed part of
an award past its validity). The database itself keeps the rules that must
hold with several hub processes on one database: one award per claim, one
reversal and one expiry per award (unique (kind, claim_id)), one redemption
per id and partner (a unique index over redemptions), and a balance that is
never negative (a CHECK on the per-person balance row every entry updates in
its transaction).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.day_column import CompactDay
from hub.storage.hex_digest_column import HexDigest
from hub.storage.hex_id_column import HexId
from hub.storage.instant_column import CompactInstant
from hub.storage.person_prefix import PERSON_PREFIX_BYTES
from hub.storage.tables import Base

__all__ = ["PERSON_PREFIX", "PointsBalanceRow", "PointsEntryRow"]

# The points entries' index expression (hub.storage.person_prefix, 0039),
# spelled as the readers must spell it for either database to use the
# index: constants, not bound parameters.
PERSON_PREFIX: ColumnElement[bytes] = func.substr(
    literal_column("person"), literal_column("1"), literal_column(str(PERSON_PREFIX_BYTES))
)


class PointsEntryRow(Base):
    __tablename__ = "points_entries"
    __table_args__ = (
        # One award per claim; one reversal and one expiry per award (an
        # award is named by its claim). Redemptions and expiries of several
        # claims have NULL where they do not apply: NULLs never collide.
        UniqueConstraint("kind", "claim_id"),
        # One redemption per id and partner: over redemptions only (migration
        # 0020), so the awards of the ingestion path do not write to it.
        Index(
            "uq_points_entries_partner_redemption_id",
            "partner",
            "redemption_id",
            unique=True,
            sqlite_where=text("redemption_id IS NOT NULL"),
            postgresql_where=text("redemption_id IS NOT NULL"),
        ),
        CheckConstraint("points >= 0", name="points_not_negative"),
        # A person's history (then put in id order) and, with the day, the
        # awards a daily cap counts (migration 0023: no table of daily totals).
        # Since 0039 by the first eight bytes of the person's stored form
        # (PERSON_PREFIX) and the day, not the partner and the whole 32-byte
        # digest: the readers (hub.storage.points_repository) name the prefix
        # and then the partner and person exactly, so the index finds a
        # person's few entries as before in a third of the bytes.
        Index("ix_points_entries_person_prefix_day", PERSON_PREFIX, "day"),
        # No index on expires_at (migration 0022): the expiry sweep reads the
        # per-person bound PointsBalanceRow.next_expiry instead, so an award
        # writes no expiry index entry.
        # No index on occurred_at: the monthly disclosure groups every entry
        # (a full scan either way), so it was written and never read.
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    partner: Mapped[str] = mapped_column(String(64))
    person: Mapped[str] = mapped_column(HexDigest)
    platform: Mapped[str | None] = mapped_column(String(64))
    methodology: Mapped[str | None] = mapped_column(String(200))
    claim_id: Mapped[str | None] = mapped_column(HexId)
    redemption_id: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(BigInteger)
    # An award's Shenzhen activity day: the day its daily cap counts against
    # (on SQLite as days since 1970: hub.storage.day_column, migration 0032).
    day: Mapped[date | None] = mapped_column(CompactDay)
    occurred_at: Mapped[datetime] = mapped_column(CompactInstant)
    expires_at: Mapped[datetime | None] = mapped_column(CompactInstant)


class PointsBalanceRow(Base):
    """A person's points with one partner: the row every entry updates.

    The CHECK is the last word on "never below zero"; the row is also what
    serialises two processes writing entries of one person (an UPDATE takes
    its row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers).
    """

    __tablename__ = "points_balances"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        # SQLite: the key's B-tree holds the row (migration 0020), one B-tree
        # written per upsert instead of a rowid table and its key's index.
        {"sqlite_with_rowid": False},
    )

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str] = mapped_column(HexDigest, primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)
    # Where the expiry sweep looks (migration 0022). The invariant: never
    # later than the earliest expires_at of the person's open awards (no
    # expiry or reversal entry yet); NULL only when none is open. An award's
    # upsert keeps the earlier of the stored bound and its own expiry; the
    # sweep sets it to the earliest open award left after it expired the due
    # ones, under the person's points lock. Redemptions and reversals leave it:
    # a bound that is too early only costs the sweep a look at the person.
    # Not indexed: the sweep scans the balances (SqlAlchemyPointsRepository.
    # expiring says why). Not the balance answer's next_expiry (hub.domain.
    # points_statement, from the entries): that one is exact and leaves fully
    # redeemed awards out.
    next_expiry: Mapped[datetime | None] = mapped_column(CompactInstant)
