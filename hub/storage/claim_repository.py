"""Claims in the database (hub.services.claim_port.ClaimRepository).

Batch-at-a-time: every method takes or returns a whole batch and costs one
query per chunk of ``CHUNK`` items (hub.storage.transaction), whatever the
batch size; the hot path uses Core statements over lists of dicts, no ORM
object per claim. A claim is stored with its verdict, the locks it takes and
its site's binding (hub.storage.claim_locks: range locks in claim_locks,
the content lock in claim_content_locks) in the unit of work's
transaction; a write the database refuses raises ConcurrentWriteConflict.
After the decision, the same rows are read and moved for issuance, review,
supervision and reconciliation (the ledger's view of claims).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, column, delete, func, insert, or_, select, text, update

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.issuance import IssuanceState, account_for
from hub.domain.locks import ClaimLock, LockKind, OriginBlock
from hub.services.claim_port import (
    ClaimLedgerView,
    IssuableClaim,
    LockConflict,
    NewClaimRecord,
    PartnerClaimHolding,
    RefusedResubmission,
    StoredClaim,
    VerdictChange,
)
from hub.storage import claim_locks
from hub.storage.check_entries import check_entries, checks_text
from hub.storage.claim_body import (
    READ_COLUMNS,
    claim_body,
    claim_select,
    shared_trace_text,
    submission_of,
    time_zone_of,
    verdict_of,
    with_checks,
)
from hub.storage.claim_bulk import bulk_insert
from hub.storage.claim_contexts import context_text
from hub.storage.claim_digests import IN_EVENT, content_digests
from hub.storage.claim_tables import (
    ClaimCheckListRow,
    ClaimContextRow,
    ClaimLockRow,
    ClaimRow,
    ClaimTraceRow,
    RefusedResubmissionRow,
    SiteBindingRow,
)
from hub.storage.claim_traces import check_list_ids, context_ids, trace_ids
from hub.storage.planner_hints import unindexed
from hub.storage.reported_persons import note_reported
from hub.storage.serialisation import submission_to_json
from hub.storage.transaction import Transaction, chunks

__all__ = ["POSTGRESQL_RECORD_CHUNK", "SqlAlchemyClaimRepository"]


def _claim_row(
    record: NewClaimRecord,
    trace_id: int | None,
    checks_id: int | None,
    entries: list[list[Any]],
    context_id: int | None,
) -> dict[str, Any]:
    submission, verdict, normalised = record.submission, record.verdict, record.normalised
    if (verdict.partner, verdict.record_id) != (submission.partner, submission.record_id):
        raise ValueError(
            f"verdict for {verdict.partner}/{verdict.record_id} recorded with submission "
            f"{submission.partner}/{submission.record_id}"
        )
    return {
        "claim_id": verdict.claim_id,
        "partner": submission.partner,
        "record_id": submission.record_id,
        # In the shared context when the row names one (hub.storage.claim_contexts).
        "delivery_id": "" if context_id is not None else submission.delivery_id,
        "content_digest": IN_EVENT if record.content_digest_in_event else record.content_digest,
        "decision": str(verdict.decision),
        "methodology": verdict.methodology,
        "vintage": verdict.vintage,
        "period_start": normalised.period_start if normalised else None,
        "period_end": normalised.period_end if normalised else None,
        "reported_tco2e": verdict.reported_tco2e,
        "recomputed_tco2e": verdict.recomputed_tco2e,
        "credited_tco2e": verdict.credited_tco2e,
        "trace_id": trace_id,
        "checks_id": checks_id,
        "context_id": context_id,
        "body": claim_body(
            verdict,
            submission,
            normalised,
            entries=entries,
            shared_checks=checks_id is not None,
            shared_context=context_id is not None,
        ),
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


# PostgreSQL: a partner's earlier records by record id, probed one by one in
# the (partner, record_id) unique index. Written as IN (...), the planner
# without fresh statistics (a fast-growing table between autovacuum's
# analyses, or autovacuum off) read every row of the partner through the
# (partner, project_id) index instead: each envelope's lookup grew with the
# ledger (2,700 to 550 claims/s over the first 50,000 claims).
_RECORD_COLUMNS = (*READ_COLUMNS, "content_digest", "trace_id", "checks_id", "context_id")
# The columns issuable reads: the account's, the tonnes, the period, the body.
_ISSUABLE_COLUMNS = (
    "claim_id",
    "partner",
    "record_id",
    "methodology",
    "vintage",
    "credited_tco2e",
    "project_id",
    "site_id",
    "person_pseudonym",
    "adjustment_ref",
    "platform",
    "received_at",
    "period_start",
    "period_end",
    "body",
)
_POSTGRESQL_CLAIMS_BY_RECORD_ID = text(
    f"""
    SELECT c.*, t.shared AS trace_shared, k.checks AS checks_shared, x.context AS context_shared
    FROM unnest(CAST(:record_ids AS text[])) AS w (record_id)
    CROSS JOIN LATERAL (
        SELECT {", ".join(_RECORD_COLUMNS)} FROM claims
        WHERE partner = :partner AND record_id = w.record_id
        LIMIT 1  -- unique anyway; keeps the planner from flattening the lookup into a join
    ) AS c
    LEFT JOIN claim_traces AS t ON t.trace_id = c.trace_id
    LEFT JOIN claim_check_lists AS k ON k.checks_id = c.checks_id
    LEFT JOIN claim_contexts AS x ON x.context_id = c.context_id
    """
)
# The same, its columns typed as the model's (exact decimals, UTC instants).
_POSTGRESQL_CLAIMS_BY_RECORD_ID_TYPED = _POSTGRESQL_CLAIMS_BY_RECORD_ID.columns(
    *(column(name, ClaimRow.__table__.c[name].type) for name in _RECORD_COLUMNS),
    column("trace_shared", ClaimTraceRow.__table__.c.shared.type),
    column("checks_shared", ClaimCheckListRow.__table__.c.checks.type),
    column("context_shared", ClaimContextRow.__table__.c.context.type),
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
        read: list[Any] = []
        connection = self._tx.connection
        postgresql = self._tx.dialect == "postgresql"
        for chunk in chunks(wanted, POSTGRESQL_RECORD_CHUNK) if postgresql else chunks(wanted):
            if postgresql:
                rows = connection.execute(
                    _POSTGRESQL_CLAIMS_BY_RECORD_ID_TYPED,
                    {"partner": partner, "record_ids": list(chunk)},
                )
            else:
                rows = connection.execute(
                    claim_select(ClaimRow.content_digest).where(
                        ClaimRow.partner == partner, ClaimRow.record_id.in_(chunk)
                    )
                )
            read.extend(rows)
        digests = content_digests(connection, {row.claim_id: row.content_digest for row in read})
        for row in read:
            found[row.record_id] = StoredClaim(
                row.claim_id, partner, row.record_id, digests[row.claim_id], verdict_of(row)
            )
        return found

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None:
        row = self._tx.connection.execute(
            claim_select(ClaimRow.content_digest).where(ClaimRow.claim_id == claim_id)
        ).one_or_none()
        if row is None:
            return None
        digests = content_digests(self._tx.connection, {row.claim_id: row.content_digest})
        return StoredClaim(
            row.claim_id, row.partner, row.record_id, digests[row.claim_id], verdict_of(row)
        )

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        return claim_locks.find_lock_conflicts(self._tx, locks)

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        return claim_locks.site_bindings(self._tx, partner, site_ids)

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        if not records:
            return
        traces = [
            None if record.verdict.trace is None else shared_trace_text(record.verdict.trace)
            for record in records
        ]
        entries = [check_entries(record.verdict.checks) for record in records]
        texts = [checks_text(found) if found else None for found in entries]
        # A check list is kept once when two claims of the batch fired it: a
        # list only one claim has (parameters of its own) stays in its body,
        # where it costs no row and no index entry of its own.
        repeated = Counter(text for text in texts if text is not None)
        shared = {text for text, count in repeated.items() if count > 1}
        # The same for what a delivery's claims share of their submissions.
        contexts = [context_text(record.submission) for record in records]
        shared_contexts = {text for text, count in Counter(contexts).items() if count > 1}
        lock_rows = claim_locks.lock_rows(records)
        bindings = claim_locks.site_bindings_of(self._tx, records)
        with self._tx.writing() as connection:
            trace_id = trace_ids(connection, {text for text in traces if text is not None})
            checks_id = check_list_ids(connection, shared)
            context_id = context_ids(connection, shared_contexts)
            claim_rows = [
                _claim_row(
                    record,
                    None if trace is None else trace_id[trace],
                    checks_id.get(text) if text is not None else None,
                    found,
                    context_id.get(context),
                )
                for record, trace, text, found, context in zip(
                    records, traces, texts, entries, contexts, strict=True
                )
            ]
            # The hot path: one executemany each, bound as insert(Table) would.
            bulk_insert(connection, ClaimRow, claim_rows)
            claim_locks.insert_locks(connection, lock_rows)
            note_reported(
                connection,
                {
                    (row["partner"], row["person_pseudonym"])
                    for row in claim_rows
                    if row["person_pseudonym"] is not None
                },
            )
        if bindings:
            claim_locks.bind_sites(self._tx, bindings)

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
        # Only what issuance needs: no shared trace or check texts joined in,
        # and of the body only the time zone (hub.storage.claim_body.time_zone_of),
        # which the claim's shared context may hold.
        claims = ClaimRow.__table__
        rows = self._tx.connection.execute(
            select(
                *(claims.c[name] for name in _ISSUABLE_COLUMNS),
                claims.c.context_id,
                ClaimContextRow.context.label("context_shared"),
            )
            .select_from(
                claims.outerjoin(
                    ClaimContextRow.__table__, ClaimRow.context_id == ClaimContextRow.context_id
                )
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
                    period_start=row.period_start,
                    period_end=row.period_end,
                    time_zone=time_zone_of(row),
                )
            )
        return issuable

    def set_issuance(
        self, claim_ids: Collection[str], expected: IssuanceState, new: IssuanceState
    ) -> None:
        if new is IssuanceState.ISSUED:
            # Only the issuer issues, with its records (issuance_repository.mark_issued).
            raise ValueError("claims are issued with their issuance records, not set ISSUED")
        wanted = sorted(set(claim_ids))
        with self._tx.writing() as connection:
            for chunk in chunks(wanted):
                result = connection.execute(
                    update(ClaimRow)
                    .where(ClaimRow.claim_id.in_(chunk), ClaimRow.issuance == str(expected))
                    .values(issuance=str(new))
                )
                self._tx.require_rows(result, len(chunk), f"a claim is no longer {expected}")

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
                # SQLite probes the project's claims in (partner, project_id),
                # not every claim with the decision (hub.storage.planner_hints).
                unindexed(ClaimRow.decision).in_(sorted(str(d) for d in decisions)),
            )
        )

    def waiting_under_exclusion(self, partner: str, reference: str) -> list[ClaimLedgerView]:
        return self._ledger_views(
            and_(
                ClaimRow.partner == partner,
                ClaimRow.adjustment_ref == reference,
                # SQLite probes the adjustment's claims in (partner,
                # adjustment_ref), not every pending claim in (decision,
                # issuance, received_at) (hub.storage.planner_hints).
                unindexed(ClaimRow.decision).in_([str(Decision.ACCEPTED), str(Decision.HELD)]),
                unindexed(ClaimRow.issuance).in_(
                    [str(IssuanceState.PENDING), str(IssuanceState.AWAITING_SOURCE_CANCELLATION)]
                ),
            )
        )

    def _ledger_views(self, where: Any) -> list[ClaimLedgerView]:
        connection = self._tx.connection
        rows = connection.execute(
            claim_select(ClaimRow.issuance, ClaimRow.hold_reason, ClaimRow.received_at)
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
                .order_by(ClaimLockRow.lo)
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
                verdict=verdict_of(row),
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
        # A claim's stored body, the verdict's checks in it replaced as each
        # change of the batch applies (a claim may change twice in one batch).
        stored: dict[str, bytes | None] = {}
        for chunk in chunks(sorted({change.claim_id for change in changes})):
            rows = connection.execute(
                select(ClaimRow.claim_id, ClaimRow.body).where(ClaimRow.claim_id.in_(chunk))
            )
            stored.update({claim_id: body for claim_id, body in rows})
        released: list[str] = []
        with self._tx.writing() as connection:
            for change in changes:
                if change.claim_id not in stored:
                    raise self._tx.conflict(f"claim {change.claim_id} is not stored")
                # The decision is the row's column; the rest of the stored
                # verdict (numbers, trace) is kept as first recorded.
                body = with_checks(stored[change.claim_id], change.verdict.checks)
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
                        decision=str(change.verdict.decision),
                        issuance=None if change.issuance is None else str(change.issuance),
                        hold_reason=change.hold_reason,
                        checks_id=None,
                        body=body,
                    )
                )
                self._tx.require_rows(
                    result,
                    1,
                    f"claim {change.claim_id} is no longer {change.expected_decision}"
                    f" / {change.expected_issuance}",
                )
                stored[change.claim_id] = body
                if change.release_locks:
                    released.append(change.claim_id)
            # Once each across chunks too: a second release finds no content
            # lock by key and falls back to a scan of the lock table.
            for chunk in chunks(list(dict.fromkeys(released))):
                claim_locks.release_locks(connection, chunk)
                connection.execute(delete(SiteBindingRow).where(SiteBindingRow.claim_id.in_(chunk)))

    def holdings(self, partner: str) -> list[PartnerClaimHolding]:
        rows = self._tx.connection.execute(
            claim_select(ClaimRow.issuance)
            .where(ClaimRow.partner == partner)
            .order_by(ClaimRow.record_id)
        )
        return [
            PartnerClaimHolding(
                claim_id=row.claim_id,
                record_id=row.record_id,
                submission=submission_of(row),
                decision=Decision(row.decision),
                issuance=_issuance(row.issuance),
                vintage=row.vintage,
            )
            for row in rows
        ]


def _issuance(value: str | None) -> IssuanceState | None:
    return None if value is None else IssuanceState(value)
