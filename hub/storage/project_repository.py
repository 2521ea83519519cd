"""Projects in the database (hub.services.project_port).

A partner's projects with their review state and asset fingerprint (the
fingerprint's guard row makes two registrations of one asset meet), and
the bureau's supervision of a project beside the partner's own status. Both
share the unit of work's Transaction (hub.storage.transaction); a refused
write or a conditional update that matched nothing is ConcurrentWriteConflict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from carbonhub_contract.vocabulary.records import PartnerProjectStatus
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project
from hub.services.project_port import ProjectSupervision, RegisteredAsset
from hub.storage.asset_tables import AssetGuardRow
from hub.storage.project_tables import ProjectRow, ProjectSupervisionRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyProjectRepository", "SqlAlchemySupervisionRepository"]


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

    def get_many(
        self, partner: str, project_ids: Collection[str], *, for_update: bool = False
    ) -> dict[str, Project]:
        wanted = sorted(set(project_ids))
        found: dict[str, Project] = {}
        columns = [getattr(ProjectRow, name) for name in _PROJECT_FIELDS]
        connection = self._tx.connection
        for chunk in chunks(wanted):
            statement = select(*columns).where(
                ProjectRow.partner == partner, ProjectRow.project_id.in_(chunk)
            )
            if for_update:
                # Sorted ids, one order for every locker: it waits rather than
                # deadlocks, and a deadlock with another writer is a retry.
                # SQLite renders no FOR UPDATE: BEGIN IMMEDIATE serialises writers.
                statement = statement.order_by(ProjectRow.project_id).with_for_update()
                with self._tx.writing() as locking:
                    rows = list(locking.execute(statement))
            else:
                rows = list(connection.execute(statement))
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


class SqlAlchemySupervisionRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, ProjectSupervision]:
        found: dict[str, ProjectSupervision] = {}
        connection = self._tx.connection
        for chunk in chunks(sorted(set(project_ids))):
            for row in connection.execute(
                select(
                    ProjectSupervisionRow.project_id,
                    ProjectSupervisionRow.suspended,
                    ProjectSupervisionRow.reason,
                    ProjectSupervisionRow.actor,
                    ProjectSupervisionRow.at,
                ).where(
                    ProjectSupervisionRow.partner == partner,
                    ProjectSupervisionRow.project_id.in_(chunk),
                )
            ):
                found[row.project_id] = ProjectSupervision(
                    partner=partner,
                    project_id=row.project_id,
                    suspended=bool(row.suspended),
                    reason=row.reason,
                    actor=row.actor,
                    at=row.at,
                )
        return found

    def save(self, supervision: ProjectSupervision, *, expected_suspended: bool) -> None:
        values = {
            "suspended": supervision.suspended,
            "reason": supervision.reason,
            "actor": supervision.actor,
            "at": supervision.at,
        }
        with self._tx.writing() as connection:
            updated = connection.execute(
                update(ProjectSupervisionRow)
                .where(
                    ProjectSupervisionRow.partner == supervision.partner,
                    ProjectSupervisionRow.project_id == supervision.project_id,
                    ProjectSupervisionRow.suspended == expected_suspended,
                )
                .values(**values)
            )
            if updated.rowcount == 1:
                return
            if expected_suspended:
                raise self._tx.conflict(
                    f"project {supervision.partner}/{supervision.project_id} is not suspended"
                )
            # No row, or a suspended one: the insert stores the first, and the
            # primary key refuses the second (someone suspended it first).
            connection.execute(
                insert(ProjectSupervisionRow),
                [
                    {
                        "partner": supervision.partner,
                        "project_id": supervision.project_id,
                        **values,
                    }
                ],
            )
