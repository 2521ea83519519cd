"""In-memory fakes of the storage ports, for unit tests of the services.

They answer exactly like hub.storage's SQLAlchemy implementation (the
storage contract tests in tests/integration/storage run against both):

* ``add`` raises ConcurrentWriteConflict at once for an overlapping lock,
  a duplicate (partner, record id) or a site bound to another methodology,
  and the unit of work is rolled back, as a database would at flush time;
* every unit of work reads a snapshot of the committed state plus its own
  writes; its writes become visible to others only on ``commit``, which
  re-checks them against whatever was committed meanwhile and raises
  ConcurrentWriteConflict if another unit of work got there first;
* verdicts are stored as their JSON (hub.storage.serialisation) and read
  back from it, so what a service gets back is what the database returns.

Use one FakeUnitOfWorkFactory per test; its ``store`` is the shared,
committed state (inspect it in assertions).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from hub.domain.claims import Decision
from hub.domain.locks import ClaimLock, LockKind
from hub.domain.projects import Project
from hub.services.unit_of_work import (
    ClaimRepository,
    ConcurrentWriteConflict,
    LockConflict,
    NewClaimRecord,
    ProjectRepository,
    RefusedResubmission,
    StoredClaim,
    UnitOfWork,
    UnitOfWorkFactory,
)
from hub.storage.serialisation import verdict_from_json, verdict_to_json

__all__ = [
    "FakeClaimRepository",
    "FakeProjectRepository",
    "FakeStore",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
]


@dataclasses.dataclass(frozen=True, slots=True)
class _ClaimRow:
    claim_id: str
    partner: str
    record_id: str
    content_digest: str
    decision: str
    verdict_json: str
    record: NewClaimRecord


@dataclasses.dataclass(frozen=True, slots=True)
class _LockRow:
    lo: int
    hi: int
    claim_id: str


@dataclasses.dataclass(slots=True)
class FakeStore:
    """The committed state (or a unit of work's working copy of it)."""

    claims: dict[str, _ClaimRow] = dataclasses.field(default_factory=dict)
    by_record: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    locks: dict[tuple[str, str], list[_LockRow]] = dataclasses.field(default_factory=dict)
    site_bindings: dict[tuple[str, str], tuple[str, str]] = dataclasses.field(default_factory=dict)
    refused: list[RefusedResubmission] = dataclasses.field(default_factory=list)
    projects: dict[tuple[str, str], tuple[Project, int, datetime]] = dataclasses.field(
        default_factory=dict
    )

    def copy(self) -> FakeStore:
        return FakeStore(
            claims=dict(self.claims),
            by_record=dict(self.by_record),
            locks={key: list(rows) for key, rows in self.locks.items()},
            site_bindings=dict(self.site_bindings),
            refused=list(self.refused),
            projects=dict(self.projects),
        )

    # Convenience for assertions ------------------------------------------

    def all_locks(self) -> list[tuple[ClaimLock, str]]:
        """Every stored lock with the claim id holding it."""
        return [
            (ClaimLock(LockKind(kind), key, row.lo, row.hi), row.claim_id)
            for (kind, key), rows in self.locks.items()
            for row in rows
        ]

    def stored_records(self) -> list[NewClaimRecord]:
        return [row.record for row in self.claims.values()]

    # Writes, each checked like the database's constraints -----------------

    def insert_claims(self, records: Sequence[NewClaimRecord]) -> None:
        for record in records:
            verdict, submission = record.verdict, record.submission
            if (verdict.partner, verdict.record_id) != (submission.partner, submission.record_id):
                raise ValueError(
                    f"verdict for {verdict.partner}/{verdict.record_id} recorded with "
                    f"submission {submission.partner}/{submission.record_id}"
                )
            identity = (submission.partner, submission.record_id)
            if verdict.claim_id in self.claims:
                raise ConcurrentWriteConflict(f"claim id {verdict.claim_id} already stored")
            if identity in self.by_record:
                raise ConcurrentWriteConflict(
                    f"record {submission.partner}/{submission.record_id} already stored"
                )
            self.claims[verdict.claim_id] = _ClaimRow(
                claim_id=verdict.claim_id,
                partner=submission.partner,
                record_id=submission.record_id,
                content_digest=record.content_digest,
                decision=str(verdict.decision),
                verdict_json=verdict_to_json(verdict),
                record=record,
            )
            self.by_record[identity] = verdict.claim_id
            for lock in record.locks:
                if lock.lo > lock.hi:
                    raise ValueError(f"lock range reversed: {lock}")
                rows = self.locks.setdefault((str(lock.kind), lock.key), [])
                for row in rows:
                    if row.lo <= lock.hi and lock.lo <= row.hi:
                        raise ConcurrentWriteConflict(
                            f"lock {lock} overlaps one held by claim {row.claim_id}"
                        )
                rows.append(_LockRow(lock.lo, lock.hi, verdict.claim_id))
        bindings: dict[tuple[str, str], tuple[str, str]] = {}
        for record in records:
            if record.site_binding is None:
                continue
            if not record.submission.site_id:
                raise ValueError(f"claim {record.verdict.claim_id} binds a site but names none")
            site = (record.submission.partner, record.submission.site_id)
            earlier = bindings.setdefault(site, (record.site_binding, record.verdict.claim_id))
            if earlier[0] != record.site_binding:
                raise ConcurrentWriteConflict(
                    f"site {site[1]} bound to {earlier[0]} and {record.site_binding} in one batch"
                )
        for site, (methodology, claim_id) in bindings.items():
            stored = self.site_bindings.setdefault(site, (methodology, claim_id))
            if stored[0] != methodology:
                raise ConcurrentWriteConflict(
                    f"site {site[0]}/{site[1]} is bound to {stored[0]}, not {methodology}"
                )

    def insert_refused(self, refused: Sequence[RefusedResubmission]) -> None:
        for item in refused:
            if item.original_claim_id not in self.claims:
                raise ConcurrentWriteConflict(f"no claim {item.original_claim_id} to refer to")
        self.refused.extend(refused)

    def upsert_project(self, project: Project, now: datetime, inserting: bool) -> None:
        key = (project.partner, project.project_id)
        current = self.projects.get(key)
        if inserting:
            if current is not None:
                raise ConcurrentWriteConflict(f"project {key} registered concurrently")
            self.projects[key] = (project, 1, now)
        else:
            version = 1 if current is None else current[1] + 1
            self.projects[key] = (project, version, now)


_Operation = Callable[[FakeStore], None]


class _Transaction:
    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self._factory = factory
        self._working: FakeStore | None = None
        self._journal: list[_Operation] = []
        self.open = False

    @property
    def state(self) -> FakeStore:
        if not self.open:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        if self._working is None:
            self._working = self._factory.snapshot()
        return self._working

    def write(self, operation: _Operation) -> None:
        try:
            operation(self.state)
        except ConcurrentWriteConflict:
            self.rollback()
            raise
        self._journal.append(operation)

    def commit(self) -> None:
        journal, self._journal, self._working = self._journal, [], None
        self._factory.apply(journal)

    def rollback(self) -> None:
        self._journal, self._working = [], None


class FakeClaimRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def _stored(self, row: _ClaimRow) -> StoredClaim:
        return StoredClaim(
            row.claim_id,
            row.partner,
            row.record_id,
            row.content_digest,
            verdict_from_json(row.verdict_json),
        )

    def get_by_record_ids(
        self, partner: str, record_ids: Collection[str]
    ) -> dict[str, StoredClaim]:
        state = self._tx.state
        found: dict[str, StoredClaim] = {}
        for record_id in set(record_ids):
            claim_id = state.by_record.get((partner, record_id))
            if claim_id is not None:
                found[record_id] = self._stored(state.claims[claim_id])
        return found

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None:
        row = self._tx.state.claims.get(claim_id)
        return None if row is None else self._stored(row)

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        state = self._tx.state
        found: list[LockConflict] = []
        for lock in dict.fromkeys(locks):
            rows = state.locks.get((str(lock.kind), lock.key), [])
            for row in sorted(rows, key=lambda r: r.lo):
                if row.lo <= lock.hi and lock.lo <= row.hi:
                    holder = state.claims[row.claim_id]
                    found.append(
                        LockConflict(lock, holder.claim_id, holder.partner, holder.record_id)
                    )
        return found

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        bindings = self._tx.state.site_bindings
        return {
            site_id: bindings[(partner, site_id)][0]
            for site_id in set(site_ids)
            if (partner, site_id) in bindings
        }

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        batch = list(records)
        if batch:
            self._tx.write(lambda state: state.insert_claims(batch))

    def add_refused(self, refused: Sequence[RefusedResubmission]) -> None:
        batch = list(refused)
        if batch:
            self._tx.write(lambda state: state.insert_refused(batch))

    def count_by_decision(self, partner: str) -> dict[str, int]:
        counts = {str(decision): 0 for decision in Decision}
        for row in self._tx.state.claims.values():
            if row.partner == partner:
                counts[row.decision] += 1
        return counts


class FakeProjectRepository:
    def __init__(self, transaction: _Transaction, clock: Callable[[], datetime]) -> None:
        self._tx = transaction
        self._clock = clock

    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, Project]:
        projects = self._tx.state.projects
        return {
            project_id: projects[(partner, project_id)][0]
            for project_id in set(project_ids)
            if (partner, project_id) in projects
        }

    def upsert(self, project: Project) -> bool:
        current = self._tx.state.projects.get((project.partner, project.project_id))
        if current is not None and current[0] == project:
            return False
        now = self._clock()
        inserting = current is None
        self._tx.write(lambda state: state.upsert_project(project, now, inserting))
        return True


class FakeUnitOfWork:
    claims: ClaimRepository
    projects: ProjectRepository

    def __init__(self, factory: FakeUnitOfWorkFactory, clock: Callable[[], datetime]) -> None:
        self._tx = _Transaction(factory)
        self.claims = FakeClaimRepository(self._tx)
        self.projects = FakeProjectRepository(self._tx, clock)
        self.commits = 0
        self.rollbacks = 0

    def __enter__(self) -> Self:
        if self._tx.open:
            raise RuntimeError("the unit of work is already open")
        self._tx.open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx.rollback()
        self._tx.open = False

    def commit(self) -> None:
        if not self._tx.open:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        self._tx.commit()
        self.commits += 1

    def rollback(self) -> None:
        self._tx.rollback()
        self.rollbacks += 1


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FakeUnitOfWorkFactory:
    """Makes FakeUnitOfWorks over one shared committed ``store``."""

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self.store = FakeStore()
        self._clock = clock
        self._lock = threading.Lock()
        self.created: list[FakeUnitOfWork] = []

    def __call__(self) -> UnitOfWork:
        uow = FakeUnitOfWork(self, self._clock)
        self.created.append(uow)
        return uow

    def snapshot(self) -> FakeStore:
        with self._lock:
            return self.store.copy()

    def apply(self, journal: Sequence[_Operation]) -> None:
        """Commit: replay a unit of work's writes on the latest committed state."""
        with self._lock:
            candidate = self.store.copy()
            for operation in journal:
                operation(candidate)
            self.store = candidate


def _conforms(factory: FakeUnitOfWorkFactory) -> UnitOfWorkFactory:
    return factory
