"""``carbon-hub export cadt`` and ``carbon-hub report annual|verify`` as a user
runs them on the demo ledger: the workbooks read back to the ledger's blocks,
and a report verifies until one byte of it changes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.interchange.cadt_files import read_export
from hub.interchange.cadt_read_back import UnitBlock, origin_serials_of, unit_blocks

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _hub(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from hub.cli.app import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)},
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    result = _hub(folder, "demo", "--data-dir", str(folder))
    assert result.returncode == 0, result.stderr + result.stdout
    return folder


def test_cadt_workbooks_read_back_to_the_ledger(demo: Path, tmp_path: Path) -> None:
    result = _hub(
        demo,
        "export",
        "cadt",
        "--data-dir",
        str(demo),
        "--format",
        "xlsx",
        "--out",
        str(tmp_path),
        "--link-base",
        "https://hub.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "wrote" in result.stdout and (tmp_path / "units.xlsx").exists()
    export = read_export(tmp_path)
    with sqlite3.connect(demo / "hub.db") as db:
        rows = db.execute(
            "SELECT serial, first_unit, last_unit, state FROM blocks WHERE state <> 'SPLIT'"
        ).fetchall()
        origins = {r[0] for r in db.execute("SELECT origin_serial FROM source_cancellations")}
    assert unit_blocks(export.records("unit")) == sorted(
        UnitBlock(s, f, last, last - f + 1, state) for s, f, last, state in rows
    )
    assert {o for found in origin_serials_of(export).values() for o in found} == origins


def test_annual_report_verifies_until_it_is_changed(demo: Path, tmp_path: Path) -> None:
    year = str(datetime.now(UTC).year)
    out = tmp_path / "CN-GD.html"
    made = _hub(
        demo,
        "report",
        "annual",
        "--data-dir",
        str(demo),
        "--partner",
        "CN-GD",
        "--year",
        year,
        "--format",
        "html",
        "--out",
        str(out),
    )
    assert made.returncode == 0, made.stderr + made.stdout
    key = demo / "pki" / "hub-signing.pub"
    checked = _hub(demo, "report", "verify", str(out), "--hub-key", str(key))
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "valid" in checked.stdout
    # The receipt is an ordinary hub receipt too.
    receipt = out.with_name(out.name + ".receipt.jsonl")
    assert _hub(demo, "receipt", "verify", str(receipt), "--hub-key", str(key)).returncode == 0
    out.write_text(out.read_text(encoding="utf-8").replace("CN-GD", "CN-HK", 1), encoding="utf-8")
    tampered = _hub(demo, "report", "verify", str(out), "--hub-key", str(key))
    assert tampered.returncode == 1
    assert "RECEIPT_DOES_NOT_MATCH_MESSAGE" in tampered.stdout


def test_refusals_name_their_code(demo: Path, tmp_path: Path) -> None:
    common = ["--data-dir", str(demo), "--out", str(tmp_path / "r.json")]
    bad_year = _hub(demo, "report", "annual", "--partner", "CN-GD", "--year", "1999", *common)
    assert bad_year.returncode != 0 and "REPORT_YEAR_INVALID" in bad_year.stdout + bad_year.stderr
    unknown = _hub(demo, "report", "annual", "--partner", "XX", "--year", "2026", *common)
    assert unknown.returncode != 0 and "PARTNER_UNKNOWN" in unknown.stdout + unknown.stderr
    bad_format = _hub(
        demo, "report", "annual", "--partner", "CN-GD", "--year", "2026", "--format", "pdf",
        *common,
    )  # fmt: skip
    assert "EXPORT_FORMAT_UNKNOWN" in bad_format.stdout + bad_format.stderr
    assert "Traceback" not in bad_year.stderr + unknown.stderr + bad_format.stderr
