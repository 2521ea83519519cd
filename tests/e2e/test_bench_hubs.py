"""`carbon-hub bench ingest --hubs N`: replicas of the hub on one PostgreSQL database.

Several hubs must decide every claim as one hub does (the checks hold across
processes), and the cost must count every hub's CPU; SQLite, one writer at a
time, is refused.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carbonhub_tools.bench.databases import DatabaseRefused
from carbonhub_tools.bench.hubs import check_hubs
from tests.integration.conftest import _require_postgres, postgres_url

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = 2000


def _bench(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "bench",
            "ingest",
            *arguments,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _figures(data_dir: Path, hubs: int, *more: str) -> dict[str, Any]:
    run = _bench(
        *("--claims", str(CLAIMS), "--partners", "2", "--hubs", str(hubs)),
        *("--envelope-size", "250", "--baseline-claims", "10"),
        *("--database-url", postgres_url(), "--data-dir", str(data_dir)),
        *more,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    figures: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return figures


@pytest.mark.postgres
def test_two_hubs_decide_every_claim_as_one_and_both_are_costed(tmp_path: Path) -> None:
    _require_postgres()
    # A stand-in for valgrind (--hub-under): notes each command line it runs.
    marker = tmp_path / "ran-under"
    wrapper = tmp_path / "wrapper.sh"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{marker}"\nexec "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    one = _figures(tmp_path / "one", 1)
    two = _figures(tmp_path / "two", 2, "--hub-under", str(wrapper))

    for name in ("decisions", "resubmissions", "rejections", "holds"):
        assert two[name] == one[name], name
    # The generated faults are there to be caught, by whichever hub got them.
    for code in ("DUPLICATE_CONTENT", "PERSON_PERIOD_OVERLAP", "DUPLICATE_RECORD_CHANGED"):
        assert two["rejections"].get(code, 0) > 0, code

    assert (one["hubs"], two["hubs"]) == (1, 2)
    # Every hub ran under --hub-under, not only the first.
    under = marker.read_text(encoding="utf-8").splitlines()
    assert len(under) == 2 and all(" serve --secure " in line for line in under)
    assert len(one["hub_cpu_seconds_each"]) == 1
    each = two["hub_cpu_seconds_each"]
    # Client i streams to hub i mod 2 and the claims split about evenly by
    # person, so both hubs worked, neither idled while the other did it all.
    assert len(each) == 2 and min(each) > 0.25 * max(each) > 0
    # The cost's hub CPU is both hubs', not the first one's.
    cost = two["cost"]
    assert cost["hub_cpu_seconds"] == pytest.approx(sum(each), rel=0.1, abs=0.1)
    assert cost["hub_cpu_us_per_claim"] == pytest.approx(
        1e6 * cost["hub_cpu_seconds"] / CLAIMS, rel=0.01
    )
    # The segments' hub CPU sums the hubs too.
    assert sum(s["hub_cpu_seconds"] for s in two["segments"]) >= 0.9 * sum(each)
    assert len(two["hub_peak_rss_mb_each"]) == 2
    assert two["hub_peak_rss_mb"] == max(two["hub_peak_rss_mb_each"]) > 20


def test_several_hubs_on_sqlite_are_refused(tmp_path: Path) -> None:
    run = _bench("--claims", "10", "--hubs", "2", "--partners", "2", "--data-dir", str(tmp_path))
    assert run.returncode != 0
    assert "--hubs 2 needs PostgreSQL" in run.stderr
    # Refused before anything was made.
    assert not (tmp_path / "hub.db").exists()


def test_fewer_clients_than_hubs_are_refused() -> None:
    with pytest.raises(DatabaseRefused, match="--partners 3 or more"):
        check_hubs(3, "postgresql://postgres@127.0.0.1:5432/test", 2)
    check_hubs(3, "postgresql://postgres@127.0.0.1:5432/test", 3)
    check_hubs(1, None, 1)
