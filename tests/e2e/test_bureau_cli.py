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
        [sys.executable, "-c", "from hub.cli.app import main; main()", *args],
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


def _hub_with(*args: str, home: Path, standards: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from hub.cli.app import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "COLUMNS": "200",
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "HUB_STANDARDS_DIR": str(standards),
        },
    )


def test_projects_under_bureau_review_are_reviewed_approved_rejected_and_resumed(
    tmp_path: Path,
) -> None:
    """A CN-GD variant whose agreement leaves project review to the bureau: what a
    paired-assistance region's projects go through."""
    from carbonhub_contract.vocabulary.records import Decision
    from hub.bootstrap import build_hub
    from hub.domain.project_review import ProjectReviewState
    from hub.settings import HubSettings
    from tests.review_standards import bureau_reviewed_standards
    from tests.unit.services.builders import PROJECT_ID, pv, pv_project

    standards = bureau_reviewed_standards(tmp_path / "standards")
    data = tmp_path / "hub"
    other = "4401-PV-2023-0099"
    hub = build_hub(HubSettings(data_dir=data, standards_dir=standards))
    try:
        registered = hub.projects.register(
            "CN-GD",
            [pv_project(), pv_project(project_id=other, longitude="113.9000", latitude="22.6000")],
        )
        assert [r.review_state for r in registered] == [ProjectReviewState.SUBMITTED] * 2
        verdicts = hub.ingestion.submit(
            "CN-GD",
            [
                pv("A-1", "2024-01-01", "2024-01-28"),
                pv("A-2", "2024-02-01", "2024-02-28", activity_quantity="99999999"),
                pv("B-1", "2024-01-01", "2024-01-28", project_id=other),
            ],
        )
        assert [v.decision for v in verdicts] == [Decision.HELD] * 3
    finally:
        hub.close()

    ledger = ("--data-dir", str(data))
    officer = ("--officer", "王科长")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _hub_with("bureau", *args, *ledger, home=tmp_path, standards=standards)

    def decision(record: str) -> str:
        ((value,),) = _query(data, "SELECT decision FROM claims WHERE record_id = ?", record)
        return str(value)

    def state(project: str) -> str:
        ((value,),) = _query(
            data, "SELECT review_state FROM projects WHERE project_id = ?", project
        )
        return str(value)

    project = ("--partner", "CN-GD", "--project", PROJECT_ID, *officer)
    early = run("approve-project", *project, "--comment", "太早")
    assert early.returncode == 1 and "PROJECT_TRANSITION_NOT_ALLOWED" in early.stderr
    opened = run("review-project", *project)
    assert opened.returncode == 0, opened.stderr
    assert state(PROJECT_ID) == "UNDER_REVIEW"
    silent = run("approve-project", *project)
    assert silent.returncode == 1 and "REVIEW_COMMENT_REQUIRED" in silent.stderr
    approved = run("approve-project", *project, "--comment", "现场核查通过")
    assert approved.returncode == 0, approved.stderr
    assert state(PROJECT_ID) == "APPROVED"
    # The project's review held A-1 alone: accepted now. A-2 is still held for its quantity.
    assert (decision("A-1"), decision("A-2")) == ("ACCEPTED", "HELD")
    claim = ("--partner", "CN-GD", "--record", "A-2", *officer)
    accepted = run("approve-claim", *claim, "--comment", "电表读数已核实")
    assert accepted.returncode == 0, accepted.stderr
    assert decision("A-2") == "ACCEPTED"
    twice = run("reject-claim", *claim, "--comment", "again")
    assert twice.returncode == 1 and "CLAIM_NOT_HELD" in twice.stderr

    rejected_project = ("--partner", "CN-GD", "--project", other, *officer)
    assert run("review-project", *rejected_project).returncode == 0
    rejected = run("reject-project", *rejected_project, "--comment", "重复备案")
    assert rejected.returncode == 0, rejected.stderr
    assert (state(other), decision("B-1")) == ("REJECTED", "REJECTED")

    suspend = ("--partner", "CN-GD", "--project", PROJECT_ID, *officer)
    assert run("suspend-project", *suspend, "--reason", "现场核查").returncode == 0
    assert state(PROJECT_ID) == "SUSPENDED"
    assert run("resume-project", *suspend, "--reason", "核查通过").returncode == 0
    assert state(PROJECT_ID) == "APPROVED"

    issued = _hub_with("issue", *ledger, home=tmp_path, standards=standards)
    assert issued.returncode == 0, issued.stderr
    assert "2 claims issued" in issued.stdout
    events = _query(
        data,
        "SELECT event, actor FROM ledger_events WHERE subject_kind = 'project' AND subject_id = ?"
        " ORDER BY seq",
        f"CN-GD|{PROJECT_ID}",
    )
    assert events == [
        ("REGISTERED", "CN-GD"),
        ("UNDER_REVIEW", "bureau:王科长"),
        ("APPROVED", "bureau:王科长"),
        ("SUSPENDED", "bureau:王科长"),
        ("APPROVED", "bureau:王科长"),
    ]
