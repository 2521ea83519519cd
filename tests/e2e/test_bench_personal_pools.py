"""`carbon-hub bench ingest --personal-only`, then `carbon-hub issue`: the
persons' daily rides, none of them near a tonne, are issued in whole tonnes
from their platform's pools, and each pool keeps under one tonne unissued."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _hub(*args: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-c", "from hub.cli.app import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    return run


def test_personal_claims_leave_under_a_tonne_per_pool(tmp_path: Path) -> None:
    figures = json.loads(
        _hub(
            *("bench", "ingest", "--claims", "6000", "--personal-only", "--people", "1000"),
            *("--data-dir", str(tmp_path), "--baseline-claims", "10"),
        ).stdout.splitlines()[-1]
    )
    assert figures["decisions"]["ACCEPTED"] > 5000
    assert figures["people"] == 1000
    ledger = ("--database-url", f"sqlite:///{tmp_path / 'hub.db'}", "--data-dir", str(tmp_path))
    _hub("issue", *ledger)
    pools = json.loads(_hub("issuance", "pools", "--json", *ledger).stdout)["pools"]

    assert {(p["platform"], p["methodology"]) for p in pools} == {
        ("GD-PHCER", "SZ-BIKE"),
        ("GD-PHCER", "SZ-TRANSIT-BUS"),
        ("GD-PHCER", "SZ-TRANSIT-METRO"),
    }
    with sqlite3.connect(tmp_path / "hub.db") as connection:
        ((accepted,),) = connection.execute(
            "SELECT count(*) FROM claims WHERE decision = 'ACCEPTED'"
        ).fetchall()
        ((people,),) = connection.execute(
            "SELECT count(DISTINCT person_pseudonym) FROM claims WHERE decision = 'ACCEPTED'"
        ).fetchall()
    assert people == 1000  # the claims spread over --people persons
    assert sum(p["claims"] for p in pools) == accepted
    assert sum(p["units_issued"] for p in pools) > 0
    for pool in pools:
        carried = Decimal(pool["carried_tco2e"])
        assert 0 <= carried < 1, pool
        assert Decimal(pool["credited_tco2e"]) == pool["units_issued"] + carried
