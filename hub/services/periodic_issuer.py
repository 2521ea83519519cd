"""Issuance in the background of a serving hub: every interval, issue what is
issuable, void claims whose cancellation at source is overdue (taking back
their points), expire carbon points past their validity and tell the
exchange which blocks freeze because their inventory exclusion was not
completed in time. Hub processes share this safely (see
hub.services.issuance, hub.services.points and hub.services.attestation)."""

from __future__ import annotations

from typing import Protocol

from hub.services.issuance import IssuanceRun
from hub.services.periodic import PeriodicTask


class Issuer(Protocol):
    """What the task runs: hub.services.issuance.IssuanceService, or the
    composition root's wrapper of it that logs and counts each run."""

    def void_overdue(self) -> list[str]: ...

    def issue_pending(self, limit: int | None = None) -> IssuanceRun: ...


class PointsExpiry(Protocol):
    """hub.services.points.PointsService: expires what is due."""

    def expire_due(self) -> int: ...


class ExclusionDeadlines(Protocol):
    """hub.services.attestation.AttestationService: freezes what is overdue."""

    def freeze_overdue(self) -> list[str]: ...


class PeriodicIssuer(PeriodicTask):
    name = "periodic-issuer"

    def __init__(
        self,
        issuance: Issuer,
        interval: float,
        *,
        points: PointsExpiry | None = None,
        exclusions: ExclusionDeadlines | None = None,
    ) -> None:
        super().__init__(interval)
        self._issuance = issuance
        self._points = points
        self._exclusions = exclusions

    def tick(self) -> None:
        self._issuance.void_overdue()
        self._issuance.issue_pending()
        if self._points is not None:
            self._points.expire_due()
        if self._exclusions is not None:
            self._exclusions.freeze_overdue()
