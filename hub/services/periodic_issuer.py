"""Issuance in the background of a serving hub.

Every ``interval`` seconds: issue what is issuable and void claims whose
cancellation at source is overdue. Each hub process may run one; they share
the database safely (see hub.services.issuance). A failure is logged and
retried at the next tick: the ledger is unchanged by a failed transaction.
"""

from __future__ import annotations

import logging
import threading

from hub.services.issuance import IssuanceService

log = logging.getLogger(__name__)


class PeriodicIssuer:
    def __init__(self, issuance: IssuanceService, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self._issuance = issuance
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name="periodic-issuer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def tick(self) -> None:
        self._issuance.void_overdue()
        run = self._issuance.issue_pending()
        if run.claims:
            log.info(
                "issued %s claims into %s blocks (%s units)", run.claims, len(run.blocks), run.units
            )

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.tick()
            except Exception:
                log.exception("periodic issuance failed; retrying at the next tick")
