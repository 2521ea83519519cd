"""In-memory AssetRepository over the fake store (tests.fakes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import Any

from hub.domain.project_review import ProjectReviewState
from hub.services.asset_port import StoredBoundary


@dataclasses.dataclass
class AssetStore:
    index: dict[tuple[str, str], frozenset[str]] = dataclasses.field(default_factory=dict)
    boundaries: dict[tuple[str, str], StoredBoundary] = dataclasses.field(default_factory=dict)

    def copy(self) -> AssetStore:
        return AssetStore(dict(self.index), dict(self.boundaries))


class FakeAssetRepository:
    """``state`` returns the unit of work's store; ``write`` journals an operation on it."""

    def __init__(self, state: Callable[[], Any], write: Callable[[Callable[[Any], None]], None]):
        self._state = state
        self._write = write

    def _store(self) -> AssetStore:
        store: AssetStore = self._state().assets
        return store

    def guard(self, keys: Collection[str]) -> None:
        # One fake unit of work commits at a time: nothing to guard against.
        return None

    def find(self, keys: Collection[str]) -> list[tuple[str, str]]:
        wanted = set(keys)
        projects = self._state().projects
        return sorted(
            key
            for key, indexed in self._store().index.items()
            if indexed & wanted
            and key in projects
            and projects[key][0].review_state is not ProjectReviewState.REJECTED
        )

    def index(self, partner: str, project_id: str, keys: Collection[str]) -> None:
        frozen = frozenset(keys)

        def apply(state: Any) -> None:
            state.assets.index[(partner, project_id)] = frozen

        self._write(apply)

    def boundaries(
        self, projects: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredBoundary]:
        kept = self._store().boundaries
        return {key: kept[key] for key in projects if key in kept}

    def set_boundary(
        self, partner: str, project_id: str, boundary: StoredBoundary | None, area_ha: str
    ) -> None:
        def apply(state: Any) -> None:
            if boundary is None:
                state.assets.boundaries.pop((partner, project_id), None)
            else:
                state.assets.boundaries[(partner, project_id)] = boundary

        self._write(apply)
