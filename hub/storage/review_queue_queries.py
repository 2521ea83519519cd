"""The console's queue queries (hub.services.review_queue), on the disclosure's
read-only engine: SQLAlchemy Core, keyset-paged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Executable, and_, or_, select

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision
from hub.domain.asset_fingerprints import parse_key
from hub.services.audit_port import LedgerEvent
from hub.services.disclosure import ProjectEntry, ProjectKey, TimeKey
from hub.services.review_queue import (
    AWAITING_REVIEW,
    ClaimEvidence,
    HeldClaim,
    ProjectEvidence,
    ReviewQueueQueries,
)
from hub.storage.audit_repository import readable_details
from hub.storage.audit_tables import LedgerEventRow
from hub.storage.claim_body import claim_select, submission_of, verdict_of
from hub.storage.claim_tables import ClaimRow
from hub.storage.event_subject_column import subject_form
from hub.storage.project_tables import ProjectRow

# With the columns a verdict is read from (hub.storage.claim_body).
_CLAIM_COLUMNS = (ClaimRow.received_at, ClaimRow.hold_reason)

_PROJECT_COLUMNS = (
    ProjectRow.partner,
    ProjectRow.project_id,
    ProjectRow.name,
    ProjectRow.partner_methodology,
    ProjectRow.region_code,
    ProjectRow.size_value,
    ProjectRow.size_unit,
    ProjectRow.crediting_start,
    ProjectRow.crediting_end,
    ProjectRow.status,
    ProjectRow.review_state,
    ProjectRow.updated_at,
)


def _held(row: Any) -> HeldClaim:
    verdict = verdict_of(row)
    codes = tuple(c.code for c in verdict.checks if c.severity is Severity.REVIEW)
    return HeldClaim(
        partner=row.partner,
        record_id=row.record_id,
        claim_id=row.claim_id,
        received_at=row.received_at,
        methodology=row.methodology,
        vintage=row.vintage,
        credited_tco2e=row.credited_tco2e,
        hold_reason=row.hold_reason,
        check_codes=codes,
    )


class SqlAlchemyReviewQueueQueries:
    """Implements hub.services.review_queue.ReviewQueueQueries."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _all(self, statement: Executable) -> Sequence[Any]:
        with self._engine.connect() as connection:
            return connection.execute(statement).all()

    def _events(self, kind: str, subject_id: str) -> tuple[LedgerEvent, ...]:
        statement = (
            select(
                LedgerEventRow.event,
                LedgerEventRow.actor,
                LedgerEventRow.at,
                LedgerEventRow.details,
                LedgerEventRow.packed,
            )
            .where(
                LedgerEventRow.subject_kind == kind,
                LedgerEventRow.subject_id == subject_form(kind, subject_id),
            )
            .order_by(LedgerEventRow.seq)
        )
        return tuple(
            LedgerEvent(
                kind,
                subject_id,
                row.event,
                row.actor,
                row.at,
                readable_details(row.details, row.packed),
            )
            for row in self._all(statement)
        )

    def held_claims(self, after: TimeKey | None, limit: int) -> list[HeldClaim]:
        statement = claim_select(*_CLAIM_COLUMNS).where(ClaimRow.decision == str(Decision.HELD))
        if after is not None:
            at, claim_id = after
            statement = statement.where(
                or_(
                    ClaimRow.received_at > at,
                    and_(ClaimRow.received_at == at, ClaimRow.claim_id > claim_id),
                )
            )
        statement = statement.order_by(ClaimRow.received_at, ClaimRow.claim_id).limit(limit)
        return [_held(row) for row in self._all(statement)]

    def claim(self, partner: str, record_id: str) -> ClaimEvidence | None:
        statement = claim_select(*_CLAIM_COLUMNS).where(
            ClaimRow.partner == partner, ClaimRow.record_id == record_id
        )
        rows = self._all(statement)
        if not rows:
            return None
        row = rows[0]
        return ClaimEvidence(
            claim=_held(row),
            decision=row.decision,
            verdict=verdict_of(row),
            submission=submission_of(row),
            events=self._events("claim", row.claim_id),
        )

    def projects_awaiting(self, after: ProjectKey | None, limit: int) -> list[ProjectEntry]:
        statement = select(*_PROJECT_COLUMNS).where(ProjectRow.review_state.in_(AWAITING_REVIEW))
        if after is not None:
            partner, project_id = after
            statement = statement.where(
                or_(
                    ProjectRow.partner > partner,
                    and_(ProjectRow.partner == partner, ProjectRow.project_id > project_id),
                )
            )
        statement = statement.order_by(ProjectRow.partner, ProjectRow.project_id).limit(limit)
        return [ProjectEntry(*row) for row in self._all(statement)]

    def project(self, partner: str, project_id: str) -> ProjectEvidence | None:
        statement = select(
            *_PROJECT_COLUMNS,
            ProjectRow.owner_name,
            ProjectRow.owner_credit_code,
            ProjectRow.longitude,
            ProjectRow.latitude,
            ProjectRow.asset_fingerprint,
        ).where(ProjectRow.partner == partner, ProjectRow.project_id == project_id)
        rows = self._all(statement)
        if not rows:
            return None
        row = rows[0]
        return ProjectEvidence(
            same_asset=self._same_asset(partner, project_id, row.asset_fingerprint),
            project=ProjectEntry(*row[: len(_PROJECT_COLUMNS)]),
            owner_name=row.owner_name,
            owner_credit_code=row.owner_credit_code,
            longitude=row.longitude,
            latitude=row.latitude,
            events=self._events("project", f"{partner}|{project_id}"),
        )

    def _same_asset(
        self, partner: str, project_id: str, key: str | None
    ) -> tuple[ProjectEntry, ...]:
        asset = parse_key(key) if key is not None else None
        if asset is None:
            return ()
        statement = (
            select(*_PROJECT_COLUMNS)
            .where(
                ProjectRow.asset_fingerprint.in_(asset.match_keys()),
                or_(ProjectRow.partner != partner, ProjectRow.project_id != project_id),
            )
            .order_by(ProjectRow.partner, ProjectRow.project_id)
        )
        return tuple(ProjectEntry(*row) for row in self._all(statement))


def _conforms(queries: SqlAlchemyReviewQueueQueries) -> ReviewQueueQueries:
    """Static proof (checked by mypy) that the queries satisfy the service port."""
    return queries
