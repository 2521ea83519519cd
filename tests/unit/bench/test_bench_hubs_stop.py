"""BenchHubs.stop: every hub is stopped, even when stopping one of them fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonhub_tools.bench.hubs import BenchHubs


class _Process:
    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True
        if self.failure is not None:
            raise self.failure


def test_a_hub_that_fails_to_stop_leaves_no_other_running(tmp_path: Path) -> None:
    hubs = BenchHubs(3, "sqlite:///unused.db", tmp_path, pki_dir=tmp_path, env={})
    first_error = OSError("no such process")
    processes = [_Process(first_error), _Process(RuntimeError("second")), _Process()]
    hubs.processes = processes  # type: ignore[assignment]
    with pytest.raises(OSError) as raised:
        hubs.stop()
    assert raised.value is first_error
    assert [process.stopped for process in processes] == [True, True, True]
