"""The asset index and parcel boundaries in the database (hub.services.asset_port)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, delete, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.project_review import ProjectReviewState
from hub.services.asset_port import AssetRepository, StoredBoundary
from hub.storage.asset_tables import AssetGuardRow, AssetIndexRow, ProjectBoundaryRow
from hub.storage.project_tables import ProjectRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyAssetRepository"]

# The index's guards share asset_guards with the exact fingerprints (0005);
# the prefix keeps the two kinds of key apart.
GUARD_PREFIX = "index|"


class SqlAlchemyAssetRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def guard(self, keys: Collection[str]) -> None:
        wanted = sorted({GUARD_PREFIX + key for key in keys})
        if not wanted:
            return
        # Sorted, one statement per chunk: two registrations take shared guards
        # in one order, so PostgreSQL makes the second wait, never deadlock.
        upsert = postgresql_insert if self._tx.dialect == "postgresql" else sqlite_insert
        with self._tx.writing() as connection:
            for chunk in chunks(wanted):
                statement = upsert(AssetGuardRow).values(
                    [{"asset_fingerprint": key, "version": 1} for key in chunk]
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[AssetGuardRow.asset_fingerprint],
                        set_={"version": AssetGuardRow.version + 1},
                    )
                )

    def find(self, keys: Collection[str]) -> list[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for chunk in chunks(sorted(set(keys))):
            rows = self._tx.connection.execute(
                select(AssetIndexRow.partner, AssetIndexRow.project_id)
                .join(
                    ProjectRow,
                    and_(
                        ProjectRow.partner == AssetIndexRow.partner,
                        ProjectRow.project_id == AssetIndexRow.project_id,
                    ),
                )
                .where(
                    AssetIndexRow.index_key.in_(chunk),
                    ProjectRow.review_state != str(ProjectReviewState.REJECTED),
                )
            )
            found.update((row.partner, row.project_id) for row in rows)
        return sorted(found)

    def index(self, partner: str, project_id: str, keys: Collection[str]) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                delete(AssetIndexRow).where(
                    AssetIndexRow.partner == partner, AssetIndexRow.project_id == project_id
                )
            )
            rows = [
                {"index_key": key, "partner": partner, "project_id": project_id}
                for key in sorted(set(keys))
            ]
            if rows:
                connection.execute(insert(AssetIndexRow), rows)

    def boundaries(
        self, projects: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredBoundary]:
        found: dict[tuple[str, str], StoredBoundary] = {}
        b = ProjectBoundaryRow
        for chunk in chunks(sorted(set(projects))):
            rows = self._tx.connection.execute(
                select(b.partner, b.project_id, b.boundary, b.crs).where(
                    tuple_(b.partner, b.project_id).in_(list(chunk))
                )
            )
            for row in rows:
                found[(row.partner, row.project_id)] = StoredBoundary(
                    row.partner, row.project_id, row.boundary, row.crs
                )
        return found

    def set_boundary(
        self, partner: str, project_id: str, boundary: StoredBoundary | None, area_ha: str
    ) -> None:
        b = ProjectBoundaryRow
        with self._tx.writing() as connection:
            connection.execute(delete(b).where(b.partner == partner, b.project_id == project_id))
            if boundary is not None:
                connection.execute(
                    insert(b),
                    [
                        {
                            "partner": partner,
                            "project_id": project_id,
                            "boundary": boundary.wkt,
                            "crs": boundary.crs,
                            "area_ha": area_ha,
                        }
                    ],
                )


def _conforms(repository: SqlAlchemyAssetRepository) -> AssetRepository:
    """Static proof (checked by mypy) that the repository satisfies the service port."""
    return repository
