"""The outbox to the exchange: the tables (migration 0002).

``outbox`` holds the block events the exchange reads by cursor (a block
qualifies once: a partial unique index); ``outbox_counter`` the single row
that numbers them in commit order. Written and read by
hub.storage.outbox_repository; the events refer to hub.storage.block_tables.

Kept on hub.storage.tables' shared MetaData, like every *_tables module:
the modules that need the complete metadata (the migrations' env, the
schema test) import this one too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["OutboxCounterRow", "OutboxRow"]


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
