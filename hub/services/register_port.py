"""The port to the external registers' lists (hub.storage.register_repository)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.registers import ListedEntry, RegisterEntry, RegisterKind


@dataclass(frozen=True, slots=True)
class RegisterVersion:
    kind: RegisterKind
    version: int
    import_id: str
    file_name: str
    sha256: str
    entries: int
    imported_at: datetime
    actor: str


class RegisterRepository(Protocol):
    def add_version(
        self,
        version: RegisterVersion,
        entries: Sequence[tuple[RegisterEntry, Collection[str]]],
    ) -> None:
        """Store a new version of a register's list, each entry with its index
        keys. A version taken meanwhile by another import raises
        ConcurrentWriteConflict (unique kind and version)."""
        ...

    def versions(self, kind: RegisterKind | None = None) -> list[RegisterVersion]:
        """Every version loaded, by kind and version."""
        ...

    def current(self, keys: Collection[str]) -> list[ListedEntry]:
        """The entries of each register's current version indexed under any of ``keys``."""
        ...
