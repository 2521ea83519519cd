"""The port to the external registers' lists (hub.storage.register_repository)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.registers import ListedEntry, RegisterEntry, RegisterKind, SerialRange


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


@dataclass(frozen=True, slots=True)
class RecordedClaim:
    """A recorded claim, ACCEPTED or HELD (issued or not), that an entry of a
    newly loaded list may meet: what the register rule compares beyond its
    ledger view (hub.domain.register_claims.ClaimedUnits)."""

    claim_id: str
    partner: str
    project_id: str | None
    site_id: str | None
    period_start: datetime | None  # aware UTC; None when not normalised
    period_end: datetime | None


class RegisterRepository(Protocol):
    def lock_lists(self, *, exclusive: bool) -> None:
        """Serialise loading a list with reading the lists for new claims
        (PostgreSQL: a transaction advisory lock, exclusive for an import,
        shared for ingestion; SQLite writers are serialised already). An
        import then sees every claim recorded by a delivery that read the
        lists before it, and a delivery after it reads the new list."""
        ...

    def recorded_claims(
        self,
        asset_ids: Collection[str],
        serials: Collection[SerialRange],
        projects: Collection[tuple[str, str]],
    ) -> list[RecordedClaim]:
        """The ACCEPTED or HELD claims whose project or site id is one of
        ``asset_ids`` (folded: hub.domain.registers.asset_id_folded), whose
        origin serial block overlaps one of ``serials``, or whose (partner,
        project id) is one of ``projects``; by claim id."""
        ...

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

    def reported(self, subjects: Collection[str]) -> set[tuple[str, str]]:
        """(subject, counterpart value) of the EXTERNAL_REGISTER discrepancies
        already raised, resolved or not, about ``subjects`` ("<partner>/<record
        id>"): an issued claim is reported once per register check and entry."""
        ...
