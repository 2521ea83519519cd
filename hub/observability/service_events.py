"""Log lines and counters of what the hub's services did, recorded at the
composition root around them (services themselves know nothing of metrics)."""

from __future__ import annotations

import logging

from hub.observability.logs import event_fields
from hub.observability.metrics import HubMetrics
from hub.services.issuance import IssuanceRun, IssuanceService
from hub.services.points import PointsService

log = logging.getLogger("hub.issuance")
points_log = logging.getLogger("hub.points")


class ObservedIssuance:
    """The issuance service as `serve`'s background issuer runs it: each run
    that issued or voided anything is one ``issuance`` / ``void`` line."""

    def __init__(self, issuance: IssuanceService, metrics: HubMetrics | None) -> None:
        self._issuance = issuance
        self._metrics = metrics

    def void_overdue(self) -> list[str]:
        voided = self._issuance.void_overdue()
        if voided:
            log.info(
                "voided %s claims (no cancellation at source in time)",
                len(voided),
                extra=event_fields("void", claims=len(voided)),
            )
        return voided

    def issue_pending(self, limit: int | None = None) -> IssuanceRun:
        run = self._issuance.issue_pending(limit)
        if run.rejected:
            log.info(
                "rejected %s claims instead of issuing them (inventory exclusion revoked)",
                run.rejected,
                extra=event_fields("issuance_rejected", claims=run.rejected),
            )
        if run.claims:
            log.info(
                "issued %s claims into %s blocks (%s units)",
                run.claims,
                len(run.blocks),
                run.units,
                extra=event_fields(
                    "issuance", claims=run.claims, blocks=len(run.blocks), units=run.units
                ),
            )
            if self._metrics is not None:
                self._metrics.issued_claims.inc(run.claims)
                self._metrics.issued_blocks.inc(len(run.blocks))
                self._metrics.issued_units.inc(run.units)
        return run


class ObservedPointsExpiry:
    """Carbon points expiry as `serve`'s issuer and `carbon-hub points expire` run
    it: a run that closed any award is one ``points_expiry`` line (a count: the
    people the awards belong to are never named)."""

    def __init__(self, points: PointsService) -> None:
        self._points = points

    def expire_due(self) -> int:
        closed = self._points.expire_due()
        if closed:
            points_log.info(
                "%s points awards closed by expiry",
                closed,
                extra=event_fields("points_expiry", awards=closed),
            )
        return closed
