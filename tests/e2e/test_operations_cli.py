"""The operator's commands on a ledger the demo filled: --version, status and
the held queue, for a person (text) and for a script (--json, or a pipe that
gets whole tab-separated lines however narrow the terminal setting)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _hub(*args: str, home: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from hub.cli.app import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin", "HOME": str(home)},
    )


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    data = home / "hub"
    done = _hub("demo", "--data-dir", str(data), home=home)
    assert done.returncode == 0, done.stderr
    return data


def _count(data: Path, sql: str) -> int:
    with sqlite3.connect(data / "hub.db") as connection:
        (value,) = connection.execute(sql).fetchone()
    return int(value)


def test_version_is_printed_and_help_shows_no_type_for_flags(tmp_path: Path) -> None:
    version = _hub("--version", home=tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith("carbon-hub 0.") and version.stdout.count("\n") == 1
    for command in (("serve",), ("status",), ("bureau", "queue")):
        shown = _hub(*command, "--help", home=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert "<bool>" not in shown.stdout, shown.stdout
    assert "--json" in _hub("status", "--help", home=tmp_path).stdout


def test_status_reports_the_ledger_as_the_database_holds_it(
    demo_ledger: Path, tmp_path: Path
) -> None:
    shown = _hub("status", "--data-dir", str(demo_ledger), "--json", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    held = _count(demo_ledger, "SELECT count(*) FROM claims WHERE decision = 'HELD'")
    assert report["held_queue"] == held > 0
    assert sum(report["claims"].values()) == _count(demo_ledger, "SELECT count(*) FROM claims")
    assert report["blocks"]["RETIRED"] == _count(
        demo_ledger, "SELECT count(*) FROM blocks WHERE state = 'RETIRED'"
    )
    assert report["audit"]["events"] > 0 and report["audit"]["last_checkpoint_seq"] is not None
    assert report["outbox"]["exchange"]["undelivered"] == 0  # the demo's exchange took all
    assert report["partners"]["CN-GD"] == {"ACTIVE": 1}

    text = _hub("status", "--data-dir", str(demo_ledger), home=tmp_path)
    assert text.returncode == 0, text.stderr
    assert f"held queue: {held} claims awaiting review" in text.stdout
    assert "partner CN-GD: signing keys ACTIVE 1" in text.stdout


def test_the_held_queue_is_listed_whole_for_scripts_and_pipes(
    demo_ledger: Path, tmp_path: Path
) -> None:
    listed = _hub("bureau", "queue", "--data-dir", str(demo_ledger), "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    held = json.loads(listed.stdout)
    assert len(held) == _count(demo_ledger, "SELECT count(*) FROM claims WHERE decision = 'HELD'")
    assert all(claim["check_codes"] for claim in held)

    piped = _hub("bureau", "queue", "--data-dir", str(demo_ledger), home=tmp_path, columns=30)
    assert piped.returncode == 0, piped.stderr
    header, *rows = piped.stdout.splitlines()
    assert header.split("\t")[:3] == ["partner", "record_id", "claim_id"]
    assert [row.split("\t")[1] for row in rows] == [claim["record_id"] for claim in held]
    assert all(len(row.split("\t")) == len(header.split("\t")) for row in rows)


def test_pki_list_json_names_every_certificate_and_its_revocation(tmp_path: Path) -> None:
    ledger = ("--data-dir", str(tmp_path / "hub"))
    assert _hub("pki", "init", *ledger, home=tmp_path).returncode == 0
    issued = _hub("pki", "issue", "--role", "partner", "--partner", "CN-GD", *ledger, home=tmp_path)
    assert issued.returncode == 0, issued.stderr
    revoked = _hub("pki", "revoke", "CN-GD", "--reason", "key lost", *ledger, home=tmp_path)
    assert revoked.returncode == 0, revoked.stderr

    listed = _hub("pki", "list", *ledger, "--json", home=tmp_path, columns=30)
    assert listed.returncode == 0, listed.stderr
    by_subject = {c["subject"]: c for c in json.loads(listed.stdout)["certificates"]}
    assert by_subject["hub"]["revoked_at"] is None
    partner = by_subject["CN-GD"]
    assert (partner["role"], partner["partner"], partner["reason"]) == (
        "partner",
        "CN-GD",
        "key lost",
    )
    assert partner["revoked_at"] is not None and len(partner["serial"]) >= 30
