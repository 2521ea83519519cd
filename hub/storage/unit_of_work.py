"""SQLAlchemy implementation of the storage ports (hub.services.unit_of_work).

Batch-at-a-time: every repository method takes or returns a whole batch and
costs one query per chunk of ``CHUNK`` items, whatever the batch size; the
hot path uses Core statements over lists of dicts, no ORM object per claim.

A unit of work is one database transaction on one connection, shared by its
repositories (hub.storage.transaction): a write the database refuses rolls
the transaction back and raises ConcurrentWriteConflict. Claims and projects
live here; issuance, blocks, the outbox and the rest of the ledger in
hub.storage.ledger_repositories.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.claims import Decision
from hub.domain.issuance import IssuanceState, account_for
from hub.domain.locks import ClaimLock, LockKind, OriginBlock
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import PartnerProjectStatus, Project
from hub.services.asset_port import AssetRepository
from hub.services.attestation_port import AttestationRepository
from hub.services.audit_port import AuditRepository, EventRepository
from hub.services.block_port import BlockRepository
from hub.services.certificate_port import CertificateRepository
from hub.services.claim_port import (
    ClaimLedgerView,
    ClaimRepository,
    IssuableClaim,
    LockConflict,
    NewClaimRecord,
    PartnerClaimHolding,
    RefusedResubmission,
    StoredClaim,
    VerdictChange,
)
from hub.services.exclusion_freeze_port import ExclusionFreezeRepository
from hub.services.issuance_port import IssuanceRepository
from hub.services.key_port import PartnerKeyRepository, SignedPayloadRepository
from hub.services.mobility_port import MobilityRepository
from hub.services.outbox_port import OutboxRepository
from hub.services.points_port import PointsRepository
from hub.services.project_port import ProjectRepository, RegisteredAsset, SupervisionRepository
from hub.services.reconciliation_port import ReconciliationRepository
from hub.services.register_port import RegisterRepository
from hub.services.retirement_port import RetirementRepository
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.storage.asset_repository import SqlAlchemyAssetRepository
from hub.storage.audit_repository import SqlAlchemyAuditRepository
from hub.storage.certificate_repository import SqlAlchemyCertificateRepository
from hub.storage.claim_bulk import bulk_insert
from hub.storage.exclusion_freeze_repository import SqlAlchemyExclusionFreezeRepository
from hub.storage.issuance_repository import SqlAlchemyIssuanceRepository
from hub.storage.ledger_repositories import (
    SqlAlchemyAttestationRepository,
    SqlAlchemyBlockRepository,
    SqlAlchemyEventRepository,
    SqlAlchemyOutboxRepository,
    SqlAlchemyReconciliationRepository,
    SqlAlchemyRetirementRepository,
    SqlAlchemySupervisionRepository,
)
from hub.storage.mobility_repository import SqlAlchemyMobilityRepository
from hub.storage.points_repository import SqlAlchemyPointsRepository
from hub.storage.register_repository import SqlAlchemyRegisterRepository
from hub.storage.serialisation import (
    claim_texts,
    submission_from_json,
    submission_to_json,
    verdict_from_json,
    verdict_to_json,
)
from hub.storage.tables import (
    AssetGuardRow,
    ClaimLockRow,
    ClaimRow,
    ProjectRow,
    RefusedResubmissionRow,
    SiteBindingRow,
)
from hub.storage.transaction import CHUNK, Transaction, chunks
from hub.storage.trust_repositories import (
    SqlAlchemyPartnerKeyRepository,
    SqlAlchemySignedPayloadRepository,
)

__all__ = [
    "CHUNK",
    "SqlAlchemyClaimRepository",
    "SqlAlchemyProjectRepository",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
]

# --- claims -----------------------------------------------------------------


def _claim_row(record: NewClaimRecord) -> dict[str, Any]:
    submission, verdict, normalised = record.submission, record.verdict, record.normalised
    if (verdict.partner, verdict.record_id) != (submission.partner, submission.record_id):
        raise ValueError(
            f"verdict for {verdict.partner}/{verdict.record_id} recorded with submission "
            f"{submission.partner}/{submission.record_id}"
        )
    verdict_json, normalised_json = claim_texts(verdict, normalised)
    return {
        "claim_id": verdict.claim_id,
        "partner": submission.partner,
        "record_id": submission.record_id,
        "delivery_id": submission.delivery_id,
        "content_digest": record.content_digest,
        "decision": str(verdict.decision),
        "methodology": verdict.methodology,
        "vintage": verdict.vintage,
        "period_start": normalised.period_start if normalised else None,
        "period_end": normalised.period_end if normalised else None,
        "reported_tco2e": verdict.reported_tco2e,
        "recomputed_tco2e": verdict.recomputed_tco2e,
        "credited_tco2e": verdict.credited_tco2e,
        "verdict": verdict_json,
        "submission": submission_to_json(submission),
        "normalised": normalised_json,
        "received_at": record.received_at,
        "issuance": None if record.issuance is None else str(record.issuance),
        "hold_reason": record.hold_reason,
        # Stripped, empty as NULL: the issuer keys accounts by these columns.
        "project_id": (submission.project_id or "").strip() or None,
        "site_id": (submission.site_id or "").strip() or None,
        "person_pseudonym": (submission.person_pseudonym or "").strip() or None,
        "adjustment_ref": (submission.adjustment_ref or "").strip() or None,
        "platform": (submission.platform or "").strip() or None,
    }


@functools.lru_cache(maxsize=64)
def _lock_conflict_sql(count: int) -> str:
    """Stored locks overlapping any of ``count`` requested ones, set-based (SQLite).

    Locks sharing (kind, key) are disjoint (the database guarantees it), so
    the stored locks overlapping a requested [lo, hi] are those starting
    inside it plus at most one predecessor starting before lo and reaching
    into it. Both halves are index range scans on (kind, key, lo).
    """
    # Positional (pysqlite's qmark style), run as driver SQL: with 2,000
    # named parameters per chunk, SQLAlchemy's per-parameter work for a
    # text() statement cost more than the query (ingestion profile).
    rows = ", ".join(["(?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT))"] * count)
    return f"""
        WITH r (kind, key, lo, hi) AS (VALUES {rows})
        SELECT r.kind, r.key, r.lo, r.hi, l.lo AS held_lo,
               c.claim_id, c.partner, c.record_id
        FROM r
        JOIN claim_locks AS l
          ON l.kind = r.kind AND l.key = r.key AND l.lo >= r.lo AND l.lo <= r.hi
        JOIN claims AS c ON c.claim_id = l.claim_id
        UNION ALL
        SELECT r.kind, r.key, r.lo, r.hi, l.lo AS held_lo,
               c.claim_id, c.partner, c.record_id
        FROM r
        JOIN claim_locks AS l
          ON l.id = (
              SELECT p.id FROM claim_locks AS p
              WHERE p.kind = r.kind AND p.key = r.key AND p.lo < r.lo
              ORDER BY p.lo DESC
              LIMIT 1
          )
        JOIN claims AS c ON c.claim_id = l.claim_id
        WHERE l.hi >= r.lo
    """


# PostgreSQL: the requested locks travel as four arrays (no per-item
# parameters), joined to the exclusion constraint's GiST index.
_POSTGRESQL_LOCK_CONFLICTS = text(
    """
    WITH r AS (
        SELECT * FROM unnest(
            CAST(:kinds AS text[]), CAST(:keys AS text[]),
            CAST(:los AS bigint[]), CAST(:his AS bigint[])
        ) AS r (kind, key, lo, hi)
    )
    SELECT r.kind, r.key, r.lo, r.hi, l.lo AS held_lo, c.claim_id, c.partner, c.record_id
    FROM r
    JOIN claim_locks AS l
      ON l.kind = r.kind AND l.key = r.key
     AND int8range(l.lo, l.hi, '[]') && int8range(r.lo, r.hi, '[]')
    JOIN claims AS c ON c.claim_id = l.claim_id
    """
)
POSTGRESQL_LOCK_CHUNK = 5000

# PostgreSQL: a partner's earlier records by record id, probed one by one in
# the (partner, record_id) unique index. Written as IN (...), the planner
# without fresh statistics (a fast-growing table between autovacuum's
# analyses, or autovacuum off) read every row of the partner through the
# (partner, project_id) index instead: each envelope's lookup grew with the
# ledger (2,700 to 550 claims/s over the first 50,000 claims).
_POSTGRESQL_CLAIMS_BY_RECORD_ID = text(
    """
    SELECT c.claim_id, c.record_id, c.content_digest, c.verdict
    FROM unnest(CAST(:record_ids AS text[])) AS w (record_id)
    CROSS JOIN LATERAL (
        SELECT claim_id, record_id, content_digest, verdict FROM claims
        WHERE partner = :partner AND record_id = w.record_id
        LIMIT 1  -- unique anyway; keeps the planner from flattening the lookup into a join
    ) AS c
    """
)
POSTGRESQL_RECORD_CHUNK = 5000


class SqlAlchemyClaimRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def get_by_record_ids(
        self, partner: str, record_ids: Collection[str]
    ) -> dict[str, StoredClaim]:
        wanted = sorted(set(record_ids))
        found: dict[str, StoredClaim] = {}
        connection = self._tx.connection
        postgresql = self._tx.dialect == "postgresql"
        for chunk in chunks(wanted, POSTGRESQL_RECORD_CHUNK) if postgresql else chunks(wanted):
            if postgresql:
                rows = connection.execute(
                    _POSTGRESQL_CLAIMS_BY_RECORD_ID,
                    {"partner": partner, "record_ids": list(chunk)},
                )
            else:
                rows = connection.execute(
                    select(
                        ClaimRow.claim_id,
                        ClaimRow.record_id,
                        ClaimRow.content_digest,
                        ClaimRow.verdict,
                    ).where(ClaimRow.partner == partner, ClaimRow.record_id.in_(chunk))
                )
            for claim_id, record_id, digest, verdict in rows:
                found[record_id] = StoredClaim(
                    claim_id, partner, record_id, digest, verdict_from_json(verdict)
                )
        return found

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None:
        row = self._tx.connection.execute(
            select(
                ClaimRow.claim_id,
                ClaimRow.partner,
                ClaimRow.record_id,
                ClaimRow.content_digest,
                ClaimRow.verdict,
            ).where(ClaimRow.claim_id == claim_id)
        ).one_or_none()
        if row is None:
            return None
        return StoredClaim(row[0], row[1], row[2], row[3], verdict_from_json(row[4]))

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        requested = list(dict.fromkeys(locks))
        order = {lock: index for index, lock in enumerate(requested)}
        found: list[tuple[int, int, LockConflict]] = []
        for chunk in self._lock_conflict_rows(requested):
            for kind, key, lo, hi, held_lo, claim_id, partner, record_id in chunk:
                lock = ClaimLock(LockKind(kind), key, int(lo), int(hi))
                found.append(
                    (order[lock], int(held_lo), LockConflict(lock, claim_id, partner, record_id))
                )
        found.sort(key=lambda item: (item[0], item[1]))
        return [conflict for _, _, conflict in found]

    def _lock_conflict_rows(self, requested: Sequence[ClaimLock]) -> Iterator[Sequence[Any]]:
        connection = self._tx.connection
        if self._tx.dialect == "postgresql":
            for chunk in chunks(requested, POSTGRESQL_LOCK_CHUNK):
                yield connection.execute(
                    _POSTGRESQL_LOCK_CONFLICTS,
                    {
                        "kinds": [str(lock.kind) for lock in chunk],
                        "keys": [lock.key for lock in chunk],
                        "los": [lock.lo for lock in chunk],
                        "his": [lock.hi for lock in chunk],
                    },
                ).all()
            return
        for chunk in chunks(requested):
            params = tuple(
                value for lock in chunk for value in (lock.kind.value, lock.key, lock.lo, lock.hi)
            )
            yield connection.exec_driver_sql(_lock_conflict_sql(len(chunk)), params).all()

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        wanted = sorted(set(site_ids))
        bound: dict[str, str] = {}
        connection = self._tx.connection
        for chunk in chunks(wanted):
            rows = connection.execute(
                select(SiteBindingRow.site_id, SiteBindingRow.methodology).where(
                    SiteBindingRow.partner == partner, SiteBindingRow.site_id.in_(chunk)
                )
            )
            bound.update({site_id: methodology for site_id, methodology in rows})
        return bound

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        if not records:
            return
        claim_rows = [_claim_row(record) for record in records]
        lock_rows = [
            {
                "claim_id": record.verdict.claim_id,
                "kind": str(lock.kind),
                "key": lock.key,
                "lo": lock.lo,
                "hi": lock.hi,
            }
            for record in records
            for lock in record.locks
        ]
        bindings: dict[tuple[str, str], tuple[str, str]] = {}
        for record in records:
            if record.site_binding is None:
                continue
            site_id = record.submission.site_id
            if not site_id:
                raise ValueError(f"claim {record.verdict.claim_id} binds a site but names none")
            site = (record.submission.partner, site_id)
            earlier = bindings.setdefault(site, (record.site_binding, record.verdict.claim_id))
            if earlier[0] != record.site_binding:
                raise self._tx.conflict(
                    f"site {site_id} bound to {earlier[0]} and {record.site_binding} in one batch"
                )
        with self._tx.writing() as connection:
            # The hot path: one executemany each, bound as insert(Table) would.
            bulk_insert(connection, ClaimRow, claim_rows)
            # In one global order (kind, key, lo): two batches that collide on
            # several keys then meet at the first of them, where one waits for
            # the other and fails cleanly once it commits. In arrival order each
            # could hold a key the other waits for: a deadlock, which PostgreSQL
            # only breaks after deadlock_timeout (1 s), per collision (race drill).
            lock_rows.sort(key=lambda row: (row["kind"], row["key"], row["lo"]))
            bulk_insert(connection, ClaimLockRow, lock_rows)
        if bindings:
            self._bind_sites(bindings)

    def _bind_sites(self, bindings: dict[tuple[str, str], tuple[str, str]]) -> None:
        """Bind each site unless already bound; refuse a binding to another methodology."""
        rows = [
            {"partner": partner, "site_id": site_id, "methodology": methodology, "claim_id": claim}
            for (partner, site_id), (methodology, claim) in bindings.items()
        ]
        statement_for = postgresql_insert if self._tx.dialect == "postgresql" else sqlite_insert
        with self._tx.writing() as connection:
            for chunk in chunks(rows):
                connection.execute(
                    statement_for(SiteBindingRow).on_conflict_do_nothing(
                        index_elements=["partner", "site_id"]
                    ),
                    list(chunk),
                )
        by_partner: dict[str, list[str]] = defaultdict(list)
        for partner, site_id in bindings:
            by_partner[partner].append(site_id)
        for partner, site_ids in by_partner.items():
            stored = self.site_bindings(partner, site_ids)
            for site_id in site_ids:
                wanted = bindings[(partner, site_id)][0]
                if stored.get(site_id) != wanted:
                    raise self._tx.conflict(
                        f"site {partner}/{site_id} is bound to {stored.get(site_id)}, not {wanted}"
                    )

    def add_refused(self, refused: Sequence[RefusedResubmission]) -> None:
        if not refused:
            return
        rows = [
            {
                "partner": r.submission.partner,
                "record_id": r.submission.record_id,
                "original_claim_id": r.original_claim_id,
                "content_digest": r.content_digest,
                "submission": submission_to_json(r.submission),
                "received_at": r.received_at,
            }
            for r in refused
        ]
        with self._tx.writing() as connection:
            for chunk in chunks(rows):
                connection.execute(insert(RefusedResubmissionRow), list(chunk))

    def count_by_decision(self, partner: str) -> dict[str, int]:
        """Claims of ``partner`` per decision; every decision present, zero if none."""
        counts = {str(decision): 0 for decision in Decision}
        rows = self._tx.connection.execute(
            select(ClaimRow.decision, func.count())
            .where(ClaimRow.partner == partner)
            .group_by(ClaimRow.decision)
        )
        for decision, count in rows:
            counts[decision] = int(count)
        return counts

    # --- the ledger's view of claims (issue 3) --------------------------------

    def issuable(self, limit: int) -> list[IssuableClaim]:
        rows = self._tx.connection.execute(
            select(
                ClaimRow.claim_id,
                ClaimRow.partner,
                ClaimRow.record_id,
                ClaimRow.methodology,
                ClaimRow.vintage,
                ClaimRow.project_id,
                ClaimRow.site_id,
                ClaimRow.person_pseudonym,
                ClaimRow.adjustment_ref,
                ClaimRow.credited_tco2e,
                ClaimRow.received_at,
                ClaimRow.platform,
            )
            .where(
                ClaimRow.decision == str(Decision.ACCEPTED),
                ClaimRow.issuance == str(IssuanceState.PENDING),
            )
            .order_by(ClaimRow.received_at, ClaimRow.claim_id)
            .limit(limit)
        )
        issuable = []
        for row in rows:
            if row.methodology is None or row.vintage is None or row.credited_tco2e is None:
                raise ValueError(f"accepted claim {row.claim_id} has no methodology or credit")
            account = account_for(
                row.partner,
                row.methodology,
                row.vintage,
                project_id=row.project_id,
                site_id=row.site_id,
                person_pseudonym=row.person_pseudonym,
                adjustment_ref=row.adjustment_ref,
            )
            issuable.append(
                IssuableClaim(
                    claim_id=row.claim_id,
                    partner=row.partner,
                    record_id=row.record_id,
                    account=account,
                    credited_tco2e=row.credited_tco2e,
                    received_at=row.received_at,
                    platform=row.platform,
                )
            )
        return issuable

    def set_issuance(
        self, claim_ids: Collection[str], expected: IssuanceState, new: IssuanceState
    ) -> None:
        wanted = sorted(set(claim_ids))
        conditions = [ClaimRow.issuance == str(expected)]
        if new is IssuanceState.ISSUED:
            conditions.append(ClaimRow.decision == str(Decision.ACCEPTED))
        with self._tx.writing() as connection:
            for chunk in chunks(wanted):
                result = connection.execute(
                    update(ClaimRow)
                    .where(ClaimRow.claim_id.in_(chunk), *conditions)
                    .values(issuance=str(new))
                )
                self._tx.require_rows(
                    result, len(chunk), f"a claim is no longer {expected} (or not ACCEPTED)"
                )

    def ledger_view(self, claim_id: str) -> ClaimLedgerView | None:
        views = self._ledger_views(ClaimRow.claim_id == claim_id)
        return views[0] if views else None

    def of_project(
        self, partner: str, project_id: str, decisions: Collection[Decision]
    ) -> list[ClaimLedgerView]:
        """Oldest received first (then claim id)."""
        if not decisions:
            return []
        return self._ledger_views(
            and_(
                ClaimRow.partner == partner,
                ClaimRow.project_id == project_id,
                ClaimRow.decision.in_(sorted(str(d) for d in decisions)),
            )
        )

    def _ledger_views(self, where: Any) -> list[ClaimLedgerView]:
        connection = self._tx.connection
        rows = connection.execute(
            select(
                ClaimRow.claim_id,
                ClaimRow.partner,
                ClaimRow.record_id,
                ClaimRow.decision,
                ClaimRow.issuance,
                ClaimRow.hold_reason,
                ClaimRow.project_id,
                ClaimRow.received_at,
                ClaimRow.verdict,
            )
            .where(where)
            .order_by(ClaimRow.received_at, ClaimRow.claim_id)
        ).all()
        origins: dict[str, OriginBlock] = {}
        for chunk in chunks([row.claim_id for row in rows]):
            for claim_id, key, lo, hi in connection.execute(
                select(ClaimLockRow.claim_id, ClaimLockRow.key, ClaimLockRow.lo, ClaimLockRow.hi)
                .where(
                    ClaimLockRow.claim_id.in_(chunk),
                    ClaimLockRow.kind == str(LockKind.ORIGIN_SERIAL),
                )
                .order_by(ClaimLockRow.id)
            ):
                origins.setdefault(claim_id, OriginBlock(series=key, first=int(lo), last=int(hi)))
        return [
            ClaimLedgerView(
                claim_id=row.claim_id,
                partner=row.partner,
                record_id=row.record_id,
                decision=Decision(row.decision),
                issuance=_issuance(row.issuance),
                hold_reason=row.hold_reason,
                project_id=row.project_id,
                origin_block=origins.get(row.claim_id),
                received_at=row.received_at,
                verdict=verdict_from_json(row.verdict),
            )
            for row in rows
        ]

    def overdue_awaiting(self, cutoffs: Mapping[str, datetime], limit: int) -> list[str]:
        """Oldest received first (then claim id)."""
        if not cutoffs or limit <= 0:
            return []
        before_cutoff = or_(
            *(
                and_(ClaimRow.partner == partner, ClaimRow.received_at < cutoff)
                for partner, cutoff in sorted(cutoffs.items())
            )
        )
        rows = self._tx.connection.execute(
            select(ClaimRow.claim_id)
            .where(
                ClaimRow.issuance == str(IssuanceState.AWAITING_SOURCE_CANCELLATION),
                ClaimRow.decision.in_([str(Decision.ACCEPTED), str(Decision.HELD)]),
                before_cutoff,
            )
            .order_by(ClaimRow.received_at, ClaimRow.claim_id)
            .limit(limit)
        )
        return [claim_id for (claim_id,) in rows]

    def change_verdicts(self, changes: Sequence[VerdictChange]) -> None:
        """The new verdict's decision and checks replace the stored verdict's; the
        rest of the stored verdict (numbers, trace) is kept as first recorded."""
        if not changes:
            return
        for change in changes:
            if change.verdict.claim_id != change.claim_id:
                raise ValueError(
                    f"change of claim {change.claim_id} carries the verdict of "
                    f"{change.verdict.claim_id}"
                )
        connection = self._tx.connection
        stored: dict[str, str] = {}
        for chunk in chunks(sorted({change.claim_id for change in changes})):
            rows = connection.execute(
                select(ClaimRow.claim_id, ClaimRow.verdict).where(ClaimRow.claim_id.in_(chunk))
            )
            stored.update({claim_id: verdict for claim_id, verdict in rows})
        released: list[str] = []
        with self._tx.writing() as connection:
            for change in changes:
                if change.claim_id not in stored:
                    raise self._tx.conflict(f"claim {change.claim_id} is not stored")
                verdict = dataclasses.replace(
                    verdict_from_json(stored[change.claim_id]),
                    decision=change.verdict.decision,
                    checks=change.verdict.checks,
                )
                expected_issuance = (
                    None if change.expected_issuance is None else str(change.expected_issuance)
                )
                result = connection.execute(
                    update(ClaimRow)
                    .where(
                        ClaimRow.claim_id == change.claim_id,
                        ClaimRow.decision == str(change.expected_decision),
                        ClaimRow.issuance.is_not_distinct_from(expected_issuance),
                    )
                    .values(
                        decision=str(verdict.decision),
                        issuance=None if change.issuance is None else str(change.issuance),
                        hold_reason=change.hold_reason,
                        verdict=verdict_to_json(verdict),
                    )
                )
                self._tx.require_rows(
                    result,
                    1,
                    f"claim {change.claim_id} is no longer {change.expected_decision}"
                    f" / {change.expected_issuance}",
                )
                stored[change.claim_id] = verdict_to_json(verdict)
                if change.release_locks:
                    released.append(change.claim_id)
            for chunk in chunks(released):
                connection.execute(delete(ClaimLockRow).where(ClaimLockRow.claim_id.in_(chunk)))
                connection.execute(delete(SiteBindingRow).where(SiteBindingRow.claim_id.in_(chunk)))

    def holdings(self, partner: str) -> list[PartnerClaimHolding]:
        rows = self._tx.connection.execute(
            select(
                ClaimRow.claim_id,
                ClaimRow.record_id,
                ClaimRow.submission,
                ClaimRow.decision,
                ClaimRow.issuance,
                ClaimRow.vintage,
            )
            .where(ClaimRow.partner == partner)
            .order_by(ClaimRow.record_id)
        )
        return [
            PartnerClaimHolding(
                claim_id=row.claim_id,
                record_id=row.record_id,
                submission=submission_from_json(row.submission),
                decision=Decision(row.decision),
                issuance=_issuance(row.issuance),
                vintage=row.vintage,
            )
            for row in rows
        ]


def _issuance(value: str | None) -> IssuanceState | None:
    return None if value is None else IssuanceState(value)


# --- projects ---------------------------------------------------------------

_PROJECT_FIELDS = tuple(f.name for f in dataclasses.fields(Project))


def _project_from_row(row: Any) -> Project:
    values = {name: getattr(row, name) for name in _PROJECT_FIELDS}
    values["status"] = PartnerProjectStatus(values["status"])
    values["review_state"] = ProjectReviewState(values["review_state"])
    return Project(**values)


def _project_values(project: Project) -> dict[str, Any]:
    values = {name: getattr(project, name) for name in _PROJECT_FIELDS}
    values["status"] = str(project.status)
    values["review_state"] = str(project.review_state)
    return values


class SqlAlchemyProjectRepository:
    def __init__(self, transaction: Transaction, clock: Callable[[], datetime]) -> None:
        self._tx = transaction
        self._clock = clock

    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, Project]:
        wanted = sorted(set(project_ids))
        found: dict[str, Project] = {}
        columns = [getattr(ProjectRow, name) for name in _PROJECT_FIELDS]
        connection = self._tx.connection
        for chunk in chunks(wanted):
            rows = connection.execute(
                select(*columns).where(
                    ProjectRow.partner == partner, ProjectRow.project_id.in_(chunk)
                )
            )
            for row in rows:
                project = _project_from_row(row)
                found[project.project_id] = project
        return found

    def upsert(self, project: Project) -> bool:
        current = self.get_many(project.partner, [project.project_id]).get(project.project_id)
        if current == project:
            return False
        values = _project_values(project)
        with self._tx.writing() as connection:
            if current is None:
                connection.execute(
                    insert(ProjectRow), [{**values, "version": 1, "updated_at": self._clock()}]
                )
            else:
                connection.execute(
                    update(ProjectRow)
                    .where(
                        ProjectRow.partner == project.partner,
                        ProjectRow.project_id == project.project_id,
                    )
                    .values(**values, version=ProjectRow.version + 1, updated_at=self._clock())
                )
        return True

    def guard_assets(self, fingerprints: Collection[str]) -> list[RegisteredAsset]:
        keys = sorted(set(fingerprints))
        if not keys:
            return []
        # Sorted, one statement per chunk: two registrations take shared guards
        # in one order, so PostgreSQL makes the second wait, never deadlock.
        # SQLite's BEGIN IMMEDIATE already serialises every writer.
        upsert = postgresql_insert if self._tx.dialect == "postgresql" else sqlite_insert
        with self._tx.writing() as connection:
            for chunk in chunks(keys):
                statement = upsert(AssetGuardRow).values(
                    [{"asset_fingerprint": key, "version": 1} for key in chunk]
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[AssetGuardRow.asset_fingerprint],
                        set_={"version": AssetGuardRow.version + 1},
                    )
                )
        found: list[RegisteredAsset] = []
        for chunk in chunks(keys):
            rows = self._tx.connection.execute(
                select(
                    ProjectRow.partner,
                    ProjectRow.project_id,
                    ProjectRow.asset_fingerprint,
                    ProjectRow.review_state,
                )
                .where(
                    ProjectRow.asset_fingerprint.in_(chunk),
                    ProjectRow.review_state != str(ProjectReviewState.REJECTED),
                )
                .order_by(ProjectRow.partner, ProjectRow.project_id)
            )
            found.extend(
                RegisteredAsset(
                    row.partner,
                    row.project_id,
                    row.asset_fingerprint,
                    ProjectReviewState(row.review_state),
                )
                for row in rows
            )
        return found

    def set_review_state(
        self,
        partner: str,
        project_id: str,
        expected: ProjectReviewState,
        new: ProjectReviewState,
    ) -> None:
        with self._tx.writing() as connection:
            result = connection.execute(
                update(ProjectRow)
                .where(
                    ProjectRow.partner == partner,
                    ProjectRow.project_id == project_id,
                    ProjectRow.review_state == str(expected),
                )
                .values(review_state=str(new), updated_at=self._clock())
            )
            self._tx.require_rows(
                result, 1, f"project {partner}/{project_id} is no longer {expected}"
            )


# --- unit of work -----------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlAlchemyUnitOfWork:
    """One database transaction; implements hub.services.unit_of_work.UnitOfWork."""

    claims: ClaimRepository
    projects: ProjectRepository
    assets: AssetRepository
    registers: RegisterRepository
    supervision: SupervisionRepository
    issuance: IssuanceRepository
    blocks: BlockRepository
    outbox: OutboxRepository
    retirements: RetirementRepository
    attestations: AttestationRepository
    events: EventRepository
    reconciliations: ReconciliationRepository
    partner_keys: PartnerKeyRepository
    signed_payloads: SignedPayloadRepository
    audit: AuditRepository
    mobility: MobilityRepository
    points: PointsRepository
    certificates: CertificateRepository
    exclusion_freezes: ExclusionFreezeRepository

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self._tx = Transaction(engine)
        self.claims = SqlAlchemyClaimRepository(self._tx)
        self.projects = SqlAlchemyProjectRepository(self._tx, clock)
        self.assets = SqlAlchemyAssetRepository(self._tx)
        self.registers = SqlAlchemyRegisterRepository(self._tx)
        self.supervision = SqlAlchemySupervisionRepository(self._tx)
        self.issuance = SqlAlchemyIssuanceRepository(self._tx)
        self.blocks = SqlAlchemyBlockRepository(self._tx, clock)
        self.outbox = SqlAlchemyOutboxRepository(self._tx)
        self.retirements = SqlAlchemyRetirementRepository(self._tx)
        self.attestations = SqlAlchemyAttestationRepository(self._tx)
        self.events = SqlAlchemyEventRepository(self._tx)
        self.reconciliations = SqlAlchemyReconciliationRepository(self._tx)
        self.partner_keys = SqlAlchemyPartnerKeyRepository(self._tx)
        self.signed_payloads = SqlAlchemySignedPayloadRepository(self._tx)
        self.audit = SqlAlchemyAuditRepository(self._tx)
        self.mobility = SqlAlchemyMobilityRepository(self._tx)
        self.points = SqlAlchemyPointsRepository(self._tx)
        self.certificates = SqlAlchemyCertificateRepository(self._tx)
        self.exclusion_freezes = SqlAlchemyExclusionFreezeRepository(self._tx)

    def __enter__(self) -> Self:
        self._tx.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx.close()

    def commit(self) -> None:
        with self._tx.writing() as connection:
            connection.commit()

    def rollback(self) -> None:
        self._tx.rollback()


class SqlAlchemyUnitOfWorkFactory:
    """Makes a new unit of work per call; implements UnitOfWorkFactory."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self._clock = clock

    def __call__(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, self._clock)


def _conforms(factory: SqlAlchemyUnitOfWorkFactory) -> UnitOfWorkFactory:
    """Static proof (checked by mypy) that the factory satisfies the service port."""
    return factory
