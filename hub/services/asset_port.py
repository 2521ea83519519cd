"""The port to the asset index and parcel boundaries (hub.storage.asset_repository)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredBoundary:
    partner: str
    project_id: str
    wkt: str
    crs: str


class AssetRepository(Protocol):
    def guard(self, keys: Collection[str]) -> None:
        """Write the database's guard of each key in this transaction: a
        concurrent registration guarding any of them waits for (or conflicts
        with) this one, and then sees what it stored."""
        ...

    def find(self, keys: Collection[str]) -> list[tuple[str, str]]:
        """(partner, project_id) of every project, not REJECTED by the bureau,
        indexed under any of ``keys``; sorted."""
        ...

    def index(self, partner: str, project_id: str, keys: Collection[str]) -> None:
        """Replace the keys the project is found under."""
        ...

    def boundaries(
        self, projects: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredBoundary]:
        """The stored boundaries of those projects that have one."""
        ...

    def set_boundary(
        self, partner: str, project_id: str, boundary: StoredBoundary | None, area_ha: str
    ) -> None:
        """Store (or with None remove) the project's boundary."""
        ...
