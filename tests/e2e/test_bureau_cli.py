"""The bureau's operations from the command line, on a ledger the demo filled."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _hub(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from hub.cli import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(home)},
    )


def _query(data_dir: Path, sql: str, *params: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "hub.db") as connection:
        return connection.execute(sql, params).fetchall()


def test_bureau_operations_are_coded_audited_and_refused_when_they_cannot_apply(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hub"
    assert _hub("demo", "--data-dir", str(data), home=tmp_path).returncode == 0
    ledger = ("--data-dir", str(data))
    ((serial,),) = _query(data, "SELECT serial FROM blocks WHERE state = 'DELIVERED' LIMIT 1")

    cancelled = _hub(
        "bureau",
        "cancel-block",
        str(serial),
        "--reason",
        "核证造假",
        "--officer",
        "王科长",
        *ledger,
        home=tmp_path,
    )
    assert cancelled.returncode == 0, cancelled.stderr
    assert _query(data, "SELECT state FROM blocks WHERE serial = ?", str(serial)) == [
        ("CANCELLED",)
    ]
    events = _query(
        data,
        "SELECT e.event, e.actor FROM ledger_events e JOIN blocks b ON b.block_id = e.subject_id "
        "WHERE b.serial = ? AND e.event = 'CANCELLED'",
        str(serial),
    )
    assert events == [("CANCELLED", "bureau:王科长")]
    again = _hub(
        "bureau",
        "cancel-block",
        str(serial),
        "--reason",
        "again",
        "--officer",
        "王科长",
        *ledger,
        home=tmp_path,
    )
    assert again.returncode == 1
    assert "BLOCK_TERMINAL" in again.stderr

    suspend = ("--partner", "CN-GD", "--project", "4401-PV-2023-0007", "--officer", "王科长")
    first = _hub(
        "bureau", "suspend-project", *suspend, "--reason", "现场核查", *ledger, home=tmp_path
    )
    assert first.returncode == 0, first.stderr
    twice = _hub("bureau", "suspend-project", *suspend, "--reason", "again", *ledger, home=tmp_path)
    assert twice.returncode == 1 and "PROJECT_ALREADY_SUSPENDED" in twice.stderr
    resumed = _hub(
        "bureau", "resume-project", *suspend, "--reason", "核查通过", *ledger, home=tmp_path
    )
    assert resumed.returncode == 0, resumed.stderr
    missing = _hub(
        "bureau",
        "suspend-project",
        "--partner",
        "CN-GD",
        "--project",
        "NO-SUCH",
        "--officer",
        "王科长",
        "--reason",
        "x",
        *ledger,
        home=tmp_path,
    )
    assert missing.returncode == 1 and "PROJECT_NOT_FOUND" in missing.stderr

    issued = _hub("issue", *ledger, home=tmp_path)
    assert issued.returncode == 0, issued.stderr
    assert "0 claims issued" in issued.stdout

    unanswered = _hub("reconcile", "--exchange", "--wait", "0.5", *ledger, home=tmp_path)
    assert unanswered.returncode == 4
    assert _query(data, "SELECT count(*) FROM reconciliations WHERE status = 'REQUESTED'") == [(1,)]
