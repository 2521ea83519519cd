"""`carbon-hub bench ingest --hub-under`: the hub process runs under the given
program (valgrind's callgrind, for scripts/bench_ab.py --instructions), and
the run is otherwise the same run."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_hub_runs_under_the_given_program(tmp_path: Path) -> None:
    # A stand-in for valgrind: notes what it was given, then runs the command
    # after its own option.
    marker = tmp_path / "ran-under"
    wrapper = tmp_path / "wrapper.sh"
    wrapper.write_text(f'#!/bin/sh\necho "$@" > "{marker}"\nshift\nexec "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            *("bench", "ingest", "--claims", "300", "--personal-only", "--people", "10"),
            *("--baseline-claims", "10", "--data-dir", str(tmp_path / "run")),
            *("--hub-under", f"{wrapper} --given"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # The wrapper got its own option and then the hub's serve command line.
    given = marker.read_text(encoding="utf-8").split()
    assert given[0] == "--given"
    assert given[1] == sys.executable
    assert "serve" in given and "--secure" in given
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert sum(figures["decisions"].values()) == 300
