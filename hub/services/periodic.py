"""Work a serving hub repeats in the background, every ``interval`` seconds.

Each hub process may run its own; the work shares the database safely. A
failure is logged and retried at the next tick: a failed transaction leaves
the ledger unchanged.

A task may also work once when it starts (``at_start``, in its thread, so a
long first round never delays serving) and once when it is stopped
(``at_stop``, after the last tick has finished, in the stopping thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicTask:
    name = "periodic task"

    def __init__(self, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def tick(self) -> None:
        raise NotImplementedError  # each task says what one round of its work is

    def at_start(self) -> None:
        """Once, before the first interval; nothing unless the task says."""

    def at_stop(self) -> None:
        """Once, when stopped, after the last tick; nothing unless the task says."""

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is not None and not self._stopped:
            self._stopped = True
            self._guarded(self.at_stop, "at stop")

    def _guarded(self, work: Callable[[], None], when: str) -> None:
        try:
            work()
        except Exception:
            log.exception("%s failed %s", self.name, when)

    def _run(self) -> None:
        self._guarded(self.at_start, "at start")
        while not self._stop.wait(self._interval):
            self._guarded(self.tick, "(retrying at the next tick)")
