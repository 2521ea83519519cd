"""The transparency log's tables (issue 18, migration 0011_transparency_log).

Kept apart from hub.storage.tables (one concept per module) but on its
shared MetaData: every module that needs the complete metadata (the
migrations' env, the schema test) imports this module too.

``merkle_nodes`` holds the hash of complete subtrees of the RFC 9162 tree
over the audit events (hub.domain.merkle): level 0 is the leaf hash of the
event at seq ``index + 1``, level L index i covers leaves
[i * 2^L, (i + 1) * 2^L). Since migration 0030 every node from the tile
level (4: sixteen leaves) up, and below it only the nodes of the last,
incomplete tile (hub.domain.tree_tiles); a proof rehashes a complete tile's
events for a node inside it. The primary key makes integration safe with
several hub processes: a second integrator of the same leaves fails on the
first node and steps back.

``merkle_tree_heads`` are the hub's signed tree heads (size, root, time,
Ed25519 signature over the DSSE encoding of the statement: see
docs/transparency-log.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["MerkleNodeRow", "TreeHeadRow"]


class MerkleNodeRow(Base):
    __tablename__ = "merkle_nodes"
    # WITHOUT ROWID on SQLite: the primary key is the table, not a second
    # index beside it (28 bytes per event fewer, measured over 100,000).
    __table_args__ = (
        CheckConstraint("level >= 0 AND level < 64", name="level_range"),
        CheckConstraint("idx >= 0", name="index_not_negative"),
        {"sqlite_with_rowid": False},
    )

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class TreeHeadRow(Base):
    __tablename__ = "merkle_tree_heads"
    __table_args__ = (CheckConstraint("tree_size >= 1", name="size_positive"),)

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
