"""The storage port of projects (hub.storage.project_repository).

A partner's registered projects with their review state and asset
fingerprint, and the bureau's supervision of them (suspension), which is
kept beside the partner's own status.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project


@dataclass(frozen=True, slots=True)
class RegisteredAsset:
    """A stored project holding an asset fingerprint (hub.domain.asset_fingerprints)."""

    partner: str
    project_id: str
    asset_fingerprint: str
    review_state: ProjectReviewState


class ProjectRepository(Protocol):
    def get_many(
        self, partner: str, project_ids: Collection[str], *, for_update: bool = False
    ) -> dict[str, Project]:
        """The stored projects among ``project_ids``. ``for_update`` locks their
        rows until the transaction ends, so a registration decided against the
        stored project (a renewal of its crediting period) is the only writer
        of it meanwhile (PostgreSQL; SQLite's writer holds the whole database)."""
        ...

    def upsert(self, project: Project) -> bool:
        """Insert or update (every field, review state and fingerprint included);
        True when something changed."""
        ...

    def guard_assets(self, fingerprints: Collection[str]) -> list[RegisteredAsset]:
        """Take the database's guard of each fingerprint, then return the stored
        projects, not REJECTED, whose fingerprint is one of them.

        The guards are rows written in this transaction: a concurrent
        registration guarding any of the same fingerprints waits for this one
        to end (or conflicts), and then sees the project it registered. So two
        registrations of one asset cannot both miss each other."""
        ...

    def set_review_state(
        self,
        partner: str,
        project_id: str,
        expected: ProjectReviewState,
        new: ProjectReviewState,
    ) -> None:
        """Conditional: ConcurrentWriteConflict unless the stored state is ``expected``."""
        ...


@dataclass(frozen=True, slots=True)
class ProjectSupervision:
    """The bureau's hand on a project, beside the partner's own status."""

    partner: str
    project_id: str
    suspended: bool
    reason: str
    actor: str
    at: datetime


class SupervisionRepository(Protocol):
    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, ProjectSupervision]:
        """Only projects the bureau ever acted on appear."""
        ...

    def save(self, supervision: ProjectSupervision, *, expected_suspended: bool) -> None:
        """Insert or update; the stored ``suspended`` (False when there is no row)
        must equal ``expected_suspended``, else ConcurrentWriteConflict."""
        ...
