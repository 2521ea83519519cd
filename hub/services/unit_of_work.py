"""The storage ports the services depend on: repositories and a unit of work.

The SQLAlchemy implementation lives in hub.storage; unit tests use the
in-memory fakes of tests/fakes.py. Both must give the same answers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from hub.domain.claims import ClaimSubmission, NormalisedClaim, Verdict
from hub.domain.locks import ClaimLock
from hub.domain.projects import Project


class ConcurrentWriteConflict(Exception):
    """Another hub process recorded a conflicting row first.

    Raised when a database constraint refuses the write at flush or commit.
    The transaction is rolled back; the service re-reads and decides again,
    and the second decision sees the other process's row.
    """


@dataclass(frozen=True, slots=True)
class StoredClaim:
    claim_id: str
    partner: str
    record_id: str
    content_digest: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class LockConflict:
    """A stored lock that overlaps a requested one."""

    requested: ClaimLock
    held_by_claim_id: str
    held_by_partner: str
    held_by_record_id: str


@dataclass(frozen=True, slots=True)
class NewClaimRecord:
    """Everything the ledger keeps about one newly decided claim."""

    submission: ClaimSubmission
    normalised: NormalisedClaim | None
    verdict: Verdict
    content_digest: str
    locks: tuple[ClaimLock, ...]  # empty unless ACCEPTED or HELD
    site_binding: str | None  # Shenzhen methodology the claim's site is bound to, if any
    received_at: datetime


@dataclass(frozen=True, slots=True)
class RefusedResubmission:
    """A record id re-sent with other content: refused, but kept for audit."""

    submission: ClaimSubmission
    original_claim_id: str
    content_digest: str
    received_at: datetime


class ClaimRepository(Protocol):
    def get_by_record_ids(
        self, partner: str, record_ids: Collection[str]
    ) -> dict[str, StoredClaim]: ...

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None: ...

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        """Every stored lock overlapping any of ``locks``, in one set-based query."""
        ...

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        """site id -> the methodology it is bound to."""
        ...

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        """Insert claims with their locks and site bindings, as a batch.

        Raises ConcurrentWriteConflict when the database refuses a lock,
        a record id or a site binding that another process wrote first.
        """
        ...

    def add_refused(self, refused: Sequence[RefusedResubmission]) -> None: ...

    def count_by_decision(self, partner: str) -> dict[str, int]: ...


class ProjectRepository(Protocol):
    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, Project]: ...

    def upsert(self, project: Project) -> bool:
        """Insert or update; True when something changed."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. Writers are serialised per rule by the
    database (SQLite: BEGIN IMMEDIATE; PostgreSQL: constraints)."""

    claims: ClaimRepository
    projects: ProjectRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Raises ConcurrentWriteConflict when a constraint refuses the write."""
        ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
