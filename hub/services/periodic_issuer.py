"""Issuance in the background of a serving hub: every interval, issue what is
issuable and void claims whose cancellation at source is overdue. Hub
processes share this safely (see hub.services.issuance)."""

from __future__ import annotations

import logging

from hub.services.issuance import IssuanceService
from hub.services.periodic import PeriodicTask

log = logging.getLogger(__name__)


class PeriodicIssuer(PeriodicTask):
    name = "periodic-issuer"

    def __init__(self, issuance: IssuanceService, interval: float) -> None:
        super().__init__(interval)
        self._issuance = issuance

    def tick(self) -> None:
        self._issuance.void_overdue()
        run = self._issuance.issue_pending()
        if run.claims:
            log.info(
                "issued %s claims into %s blocks (%s units)", run.claims, len(run.blocks), run.units
            )
