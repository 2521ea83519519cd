"""Signed audit checkpoints in the background of a serving hub: every interval,
the hub signs the head of the audit chain if it moved (after checking the
rows appended since the last checkpoint), so a rewrite of the chain that
recomputes every hash is still caught by `carbon-hub audit verify`."""

from __future__ import annotations

import logging

from hub.services.audit import AuditService
from hub.services.periodic import PeriodicTask

log = logging.getLogger(__name__)


class PeriodicCheckpointer(PeriodicTask):
    name = "audit-checkpointer"

    def __init__(self, audit: AuditService, interval: float) -> None:
        super().__init__(interval)
        self._audit = audit

    def tick(self) -> None:
        checkpoint = self._audit.checkpoint()
        if checkpoint is not None:
            log.info("audit checkpoint at row %s: %s", checkpoint.seq, checkpoint.head_hash)
