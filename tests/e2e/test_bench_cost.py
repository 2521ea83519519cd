"""`carbon-hub bench ingest` on PostgreSQL reports what the streaming cost the database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import _require_postgres, postgres_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_bench_on_postgresql_reports_database_cpu_and_lock_waits(tmp_path: Path) -> None:
    _require_postgres()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "bench",
            "ingest",
            "--claims",
            "1500",
            "--envelope-size",
            "250",
            "--database-url",
            postgres_url(),
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    cost = json.loads(lines[-1])["cost"]
    # Only the hub's own connections (told apart by the run's
    # application_name) are the run's backends: the hub's pool, not the
    # bench's registrar, baseline or sampler connections.
    assert cost["claims"] == 1500
    assert cost["hub_cpu_us_per_claim"] > 0
    assert cost["postgres_backend_cpu_us_per_claim"] > 0
    assert 1 <= cost["postgres_backends_seen"] <= 20
    assert cost["active_backend_samples"] > 0
    assert 0 <= cost["lock_wait_share"] <= 1
    assert cost["total_cpu_us_per_claim"] == pytest.approx(
        cost["hub_cpu_us_per_claim"] + cost["postgres_cpu_us_per_claim"], abs=0.2
    )
    assert any(line.startswith("CPU per claim over the streaming: hub ") for line in lines)
    assert any(line.startswith("backends waiting on a lock: ") for line in lines)
