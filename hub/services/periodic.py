"""Work a serving hub repeats in the background, every ``interval`` seconds.

Each hub process may run its own; the work shares the database safely. A
failure is logged and retried at the next tick: a failed transaction leaves
the ledger unchanged.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class PeriodicTask:
    name = "periodic task"

    def __init__(self, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError  # each task says what one round of its work is

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.tick()
            except Exception:
                log.exception("%s failed; retrying at the next tick", self.name)
