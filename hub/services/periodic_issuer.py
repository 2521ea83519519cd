"""Issuance in the background of a serving hub: every interval, issue what is
issuable, void claims whose cancellation at source is overdue (taking back
their points), expire carbon points past their validity and tell the
exchange which blocks freeze because their inventory exclusion was not
completed in time. Hub processes share this safely (see
hub.services.issuance, hub.services.points and hub.services.attestation).

The expiry sweep reads every person's expiry bound (no index: an award
would write one more B-tree): some 350 ms at a million persons on SQLite,
with the write lock held. So it runs on a cadence of its own
(``points_every`` seconds, a minute by default), not on each tick of a few
seconds: a redemption expires its person's due awards itself, so only a
balance shown may include points past their validity until the next sweep."""

from __future__ import annotations

import time
from collections.abc import Callable
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
        points_every: float = 0.0,
        exclusions: ExclusionDeadlines | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``points_every``: seconds between expiry sweeps, at most one a tick
        (0: one every tick); the first runs on the first tick."""
        super().__init__(interval)
        self._issuance = issuance
        self._points = points
        self._points_every = points_every
        self._exclusions = exclusions
        self._monotonic = monotonic
        self._next_sweep: float | None = None

    def tick(self) -> None:
        self._issuance.void_overdue()
        self._issuance.issue_pending()
        if self._points is not None:
            now = self._monotonic()
            if self._next_sweep is None or now >= self._next_sweep:
                self._next_sweep = now + self._points_every
                self._points.expire_due()
        if self._exclusions is not None:
            self._exclusions.freeze_overdue()
