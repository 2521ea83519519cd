"""``carbon-hub demo`` as a user runs it: twice on one data directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _demo(data_dir: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "demo",
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def _row(output: str, heading: str) -> list[str]:
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line) if c.strip()]
        if cells and cells[0] == heading:
            return cells[1:]
    raise AssertionError(f"no row {heading!r} in:\n{output}")


def test_demo_accepts_the_good_rows_then_nothing_new_on_a_second_run(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    header = next(line for line in first.splitlines() if "CN-GD 广东" in line and "┃" in line)
    assert header.index("CN-GD") < header.index("CN-HK")
    accepted = [int(n) for n in _row(first, "claims accepted")]
    assert all(n > 0 for n in accepted), first
    assert all(int(n) > 0 for n in _row(first, "claims rejected by the hub"))
    assert all(int(n) > 0 for n in _row(first, "rows refused by the adapter"))
    assert all(float(n) > 0 for n in _row(first, "accepted tCO2e credited"))
    # The second Guangdong delivery re-sends records of the first.
    assert int(_row(first, "resubmissions recognised")[0]) > 0
    # Faults of the partner specs show up by their codes.
    for code in (
        "PROJECT_PERIOD_OVERLAP",
        "ORIGIN_SERIAL_OVERLAP",
        "DUPLICATE_RECORD_CHANGED",
        "CREDIT_CODE_INVALID",
        "ADJUSTMENT_REF_MISSING",
        # Hong Kong's overlapping MTR rides of one person: one place at a time.
        "PERSON_TRIP_OVERLAP",
        "ROW_DATE_MALFORMED",
        "SITE_PROGRAMME_CONFLICT",
    ):
        assert code in first, code

    second = _demo(tmp_path)
    assert _row(second, "claims accepted") == ["0", "0"]
    assert _row(second, "claims held for review") == ["0", "0"]
    assert _row(second, "accepted tCO2e credited") == ["0", "0"]
    sent_first = sum(
        int(a) + int(h) + int(r)
        for a, h, r in zip(
            _row(first, "claims accepted"),
            _row(first, "claims held for review"),
            _row(first, "claims rejected by the hub"),
            strict=True,
        )
    ) + sum(int(n) for n in _row(first, "resubmissions recognised"))
    recognised = sum(int(n) for n in _row(second, "resubmissions recognised"))
    changed_again = sum(int(n) for n in _row(second, "claims rejected by the hub"))
    # Every claim sent the first time comes back recognised, except the one
    # record the partner changed, which is refused again as changed.
    assert recognised + changed_again == sent_first
    assert "DUPLICATE_RECORD_CHANGED" in second


def _pool_row(output: str, partner: str, platform: str, methodology: str) -> list[str]:
    """pools, claims, credited, units, carried of one row of the pooled-issuance table."""
    table = output[output.index("Pooled issuance of personal reductions") :]
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line) if c.strip()]
        if cells[:3] == [partner, platform, methodology]:
            return cells[3:]
    raise AssertionError(f"no pool row {partner} {platform} {methodology} in:\n{table}")


def _units(cell: str) -> tuple[int, int]:
    """'16 / 4995 t' -> (16, 4995)"""
    blocks, units = cell.removesuffix(" t").split(" / ")
    return int(blocks), int(units)


def test_demo_issues_delivers_retires_and_reconciles(tmp_path: Path) -> None:
    from decimal import Decimal

    first = _demo(tmp_path)
    issued = [_units(c) for c in _row(first, "blocks / tCO2e issued")]
    assert all(blocks > 0 for blocks, _ in issued), first
    # Nothing lost to the floor: units issued plus remainders carried equal
    # the credited tonnes of every partner.
    for (_, units), carried, credited in zip(
        issued,
        _row(first, "tCO2e carried (below a whole unit)"),
        _row(first, "accepted tCO2e credited"),
        strict=True,
    ):
        assert Decimal(units) + Decimal(carried) == Decimal(credited)
        assert Decimal(0) <= Decimal(carried)
    assert all(_units(c)[0] > 0 for c in _row(first, "retired"))
    assert all(_units(c) == (0, 0) for c in _row(first, "waiting for the exchange"))
    # Guangdong cancelled every issued PHCER block at source: nothing waits.
    assert _row(first, "awaiting source cancellation") == ["0 claims / 0 t"] * 2
    gd, hk = _row(first, "reconciliation with the registry")
    assert hk == "CONSISTENT (0)"
    # The one record Guangdong changed after delivering it: the hub kept the
    # original, the registry shows the change.
    assert gd.startswith("INCONSISTENT")
    assert "GD2024R0001205" in first
    assert "reconciliation with the exchange: CONSISTENT (0)" in first

    # Personal reductions pooled per platform: a month of 100 Guangdong and 80
    # Hong Kong commuters (a few hundredths of a tonne each) is issued in whole
    # tonnes to the platform's operator; each pool carries under one tonne.
    gd_metro = _pool_row(first, "CN-GD", "GD-PHCER", "SZ-TRANSIT-METRO")
    assert gd_metro == ["1", "110", "3.971246", "3", "0.971246"]
    hk_metro = _pool_row(first, "CN-HK", "MTR", "SZ-TRANSIT-METRO")
    # 11 rides of the samples, each under its own attestation, and the
    # commuters' month under one: 2.225592 t, 2 units and 0.225592 carried.
    assert hk_metro == ["12", "91", "2.236962", "2", "0.236962"]

    # With mutual TLS on its own PKI, and the audit chain signed and intact.
    assert "(mutual TLS, PKI" in first
    assert (tmp_path / "pki" / "ca.crt").is_file()
    assert re.search(r"audit log: \d+ rows, hash chain intact", first), first

    second = _demo(tmp_path)
    assert "issued now: 0 blocks, 0 tCO2e" in second
    assert _row(second, "blocks / tCO2e issued") == _row(first, "blocks / tCO2e issued")
    assert "reconciliation with the exchange: CONSISTENT (0)" in second
    assert re.search(r"audit log: \d+ rows, hash chain intact, [12] checkpoints verified", second)
    verify = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            *("audit", "verify", "--data-dir", str(tmp_path)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert verify.returncode == 0 and "audit log intact" in verify.stdout, verify.stdout
