"""External registers' lists as the bureau loaded them (migrations 0014, 0016).

Kept apart from hub.storage.tables (one concept per module) on its shared
MetaData: every module that needs the complete metadata (the migrations'
env, the schema test) imports this one too.

Each import is a new version of one register's list (``register_imports``,
unique per kind and version), never changed: the current list of a register
is its highest version, and every project check names the version it was
compared with. ``register_entry_keys`` finds a version's entries by the same
index keys as the hub's own projects (hub.domain.asset_matching).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.tables import Base, UtcDateTime

__all__ = ["RegisterEntryKeyRow", "RegisterEntryRow", "RegisterImportRow"]


class RegisterImportRow(Base):
    __tablename__ = "register_imports"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_register_imports_kind_version"),)

    import_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))


class RegisterEntryRow(Base):
    __tablename__ = "register_entries"

    import_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    family: Mapped[str] = mapped_column(String(64))
    latitude: Mapped[str] = mapped_column(String(64))
    longitude: Mapped[str] = mapped_column(String(64))
    size: Mapped[str] = mapped_column(String(64))
    size_unit: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(32))
    # Migration 0016: what the entry covers ("" when the list does not say).
    # Point and size are "" for an entry that names its asset by id or serials.
    asset_id: Mapped[str] = mapped_column(String(200), server_default="")
    period_start: Mapped[str] = mapped_column(String(10), server_default="")  # ISO date
    period_end: Mapped[str] = mapped_column(String(10), server_default="")
    serial_range: Mapped[str] = mapped_column(String(200), server_default="")


class RegisterEntryKeyRow(Base):
    __tablename__ = "register_entry_keys"
    __table_args__ = (Index("ix_register_entry_keys_key", "index_key"),)

    import_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    index_key: Mapped[str] = mapped_column(String(200), primary_key=True)
