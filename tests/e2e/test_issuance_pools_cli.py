"""``carbon-hub issuance pools`` as an operator runs it on a hub's ledger."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hub.bootstrap import build_hub
from hub.settings import HubSettings
from tests.unit.services.builders import PARTNER, metro, pseudonym

ROOT = Path(__file__).resolve().parents[2]


def _pools(data_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            *("issuance", "pools", "--data-dir", str(data_dir), *flags),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)},
    )


def test_pools_lists_credited_issued_and_carried_per_pool(tmp_path: Path) -> None:
    hub = build_hub(HubSettings(data_dir=tmp_path))
    try:
        commuters = [metro(f"M{i}", person_pseudonym=pseudonym(f"c{i}")) for i in range(120)]
        later = [
            metro(
                f"N{i}",
                person_pseudonym=pseudonym(f"c{i}"),
                period_start="2025-10-01",
                period_end="2025-10-31",
            )
            for i in range(3)
        ]
        hub.ingestion.submit(PARTNER, [*commuters, *later])
        run = hub.issuance.issue_pending()
    finally:
        hub.close()
    assert run.units > 0

    answer = _pools(tmp_path, "--json")
    assert answer.returncode == 0, answer.stderr
    pools = json.loads(answer.stdout)["pools"]
    assert [(p["platform"], p["vintage"], p["claims"]) for p in pools] == [
        ("GD-PHCER", 2024, 120),
        ("GD-PHCER", 2025, 3),
    ]
    first = pools[0]
    assert first["operator_name"] == "广东省生态环境厅"
    assert first["units_issued"] == run.units
    credited, carried = Decimal(first["credited_tco2e"]), Decimal(first["carried_tco2e"])
    assert credited == first["units_issued"] + carried and 0 <= carried < 1

    closing = _pools(tmp_path, "--vintage", "2025", "--partner", PARTNER)
    assert closing.returncode == 0, closing.stderr
    assert "GD-PHCER" in closing.stdout and "2025" in closing.stdout
    assert "2024" not in closing.stdout
    assert f"1 pools; {pools[1]['carried_tco2e']} tCO2e carried unissued" in closing.stdout


def test_pools_on_a_missing_ledger_is_one_coded_line(tmp_path: Path) -> None:
    answer = _pools(tmp_path / "nowhere")
    assert answer.returncode == 2
    assert "LEDGER_NOT_FOUND" in answer.stderr
    assert "Traceback" not in answer.stderr
