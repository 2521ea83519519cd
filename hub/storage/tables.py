"""What every table module shares: the declarative Base on one MetaData (with
its naming convention) and the column types the ledger needs.

Each concept's tables are in the module named for it: claims and their
locks in hub.storage.claim_tables, projects in project_tables, issuance in
issuance_tables, blocks in block_tables, the outbox in outbox_tables,
retirements in retirement_tables, attestations in attestation_tables,
reconciliations in reconciliation_tables, partner keys and signed writes in
key_tables, the audit log in audit_tables, and the assets, certificates,
transparency log, officers, points, registers and travel in theirs.

The mappings describe the schema for queries and for Alembic's
autogenerate comparison; the schema itself is created by the hand-written
migrations in hub/storage/migrations (including what the ORM cannot say:
the exclusion constraints on PostgreSQL and the overlap triggers on SQLite).
Every table module joins Base.metadata when imported: the modules that need
the complete metadata (the migrations' env, the schema test) import them all.

The hot path does not build ORM objects: the repositories use these
classes as Core tables (``insert(ClaimRow)`` with lists of dicts, ``select``
of columns).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, Numeric, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["NAMING_CONVENTION", "Base", "ExactDecimal", "UtcDateTime", "big_id"]


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


def big_id() -> Mapped[int]:
    """An autoincrementing BIGINT primary key (INTEGER on SQLite, for its rowid)."""
    return mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
