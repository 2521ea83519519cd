"""Signed audit checkpoints in the background of a serving hub: as it starts,
every interval, and when it stops cleanly, the hub signs the head of the
audit chain if it moved (after checking the rows appended since the last
checkpoint), so a rewrite of the chain that recomputes every hash is still
caught by `carbon-hub audit verify`, and a truncation of the log by
`carbon-hub audit verify --against` a checkpoint kept elsewhere.

On start: the rows appended since the last run (by other hub processes, or
before a crash) are signed at once, not an interval later. On stop: what
this process appended is signed before it exits, so a clean stop leaves no
unsigned tail behind.

After each checkpoint the same task is the transparency log's one
integrator (hub.services.transparency): the events that checkpoint covers
become leaves of the Merkle tree, and a tree head is signed over them.
"""

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
        # Then the transparency log's integrator: the events just checkpointed
        # become leaves, and a tree head is signed over them.
        checkpoint, _ = self._audit.checkpoint_and_extend_tree()
        if checkpoint is not None:
            log.info("audit checkpoint at row %s: %s", checkpoint.seq, checkpoint.head_hash)

    def at_start(self) -> None:
        self.tick()

    def at_stop(self) -> None:
        self.tick()
