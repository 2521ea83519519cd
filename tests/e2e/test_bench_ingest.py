"""`carbon-hub bench ingest` end to end: speed must not cost a check.

The command streams its generated claims through a real `carbon-hub serve`
process over mutual TLS; the test pushes the same claims, split the same way,
through the IngestionService in-process on a fresh database, and expects the
same decisions, resubmissions and rejection and hold codes, count for count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carbonhub_tools.bench.baseline import run_baseline
from carbonhub_tools.bench.claims import PARTNER, ClaimStream
from carbonhub_tools.bench.ingest import plan_envelopes
from carbonhub_tools.bench.tally import Tally
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = 3000
CLIENTS = 2
ENVELOPE = 250


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What one small run printed."""
    return _bench(tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="module")
def figures(report: list[str]) -> dict[str, Any]:
    """The JSON line of the run (the command's last line)."""
    parsed: dict[str, Any] = json.loads(report[-1])
    return parsed


def _bench(data_dir: Path) -> list[str]:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "bench",
            "ingest",
            "--claims",
            str(CLAIMS),
            "--partners",
            str(CLIENTS),
            "--envelope-size",
            str(ENVELOPE),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout.strip().splitlines()


def _in_process(folder: Path) -> Tally:
    url = f"sqlite:///{folder / 'reference.db'}"
    migrate(url)
    engine = create_engine_for(url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        standard = load_standard(default_standards_dir())
        stream = ClaimStream(CLAIMS)
        ProjectRegistrationService(factory, standard, clock=system_clock).register(
            PARTNER, stream.projects
        )
        ingestion = IngestionService(factory, standard, system_clock)
        tally = Tally()
        for share in plan_envelopes(list(stream), CLIENTS, ENVELOPE):
            for envelope in share:
                for verdict in ingestion.submit(PARTNER, envelope):
                    tally.add_verdict(verdict)
        return tally
    finally:
        engine.dispose()


def test_bench_rejections_match_the_in_process_path(
    figures: dict[str, Any], tmp_path: Path
) -> None:
    expected = _in_process(tmp_path).as_json()

    # The same run's baseline, limited to the first rows (--baseline-claims):
    # exactly those, in the order the ledger received them, with their locks.
    source = f"sqlite:///{tmp_path / 'reference.db'}"
    limited = run_baseline(
        source,
        f"sqlite:///{tmp_path / 'limited.db'}",
        batch=ENVELOPE,
        skip_record_prefix="-",
        limit=1000,
    )
    assert limited.claims == 1000
    first = _claim_ids(source, "ORDER BY received_at, claim_id LIMIT 1000")
    assert _claim_ids(f"sqlite:///{tmp_path / 'limited.db'}", "") == sorted(first)
    # Every lock: the range locks and the content locks (claim_content_locks, 0019).
    assert limited.locks == sum(
        _count(source, f"{table} WHERE claim_id IN ({_quoted(first)})")
        for table in ("claim_locks", "claim_content_locks")
    )
    # And the persons those claims report, once each, as the hub keeps them (0035).
    limited_url = f"sqlite:///{tmp_path / 'limited.db'}"
    reported = (
        "(SELECT DISTINCT partner, person_pseudonym FROM claims"
        f" WHERE person_pseudonym IS NOT NULL AND claim_id IN ({_quoted(first)}))"
    )
    assert _count(limited_url, "reported_persons") == _count(source, reported) > 0

    assert figures["decisions"] == expected["decisions"]
    assert figures["resubmissions"] == expected["resubmissions"]
    assert figures["rejections"] == expected["rejections"]
    assert figures["holds"] == expected["holds"]
    # The generated faults are there to be caught.
    for code in ("DUPLICATE_CONTENT", "PERSON_PERIOD_OVERLAP", "DUPLICATE_RECORD_CHANGED"):
        assert figures["rejections"].get(code, 0) > 0, code
    assert figures["resubmissions"] > 0


def _claim_ids(url: str, tail: str) -> list[str]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            # Claim ids kept as their 16 bytes (migration 0028), spelt in hex.
            found = [
                row[0]
                for row in connection.exec_driver_sql(
                    f"SELECT lower(hex(claim_id)) FROM claims {tail}"
                )
            ]
    finally:
        engine.dispose()
    return found if tail else sorted(found)


def _count(url: str, what: str) -> int:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql(f"SELECT count(*) FROM {what}").scalar_one())
    finally:
        engine.dispose()


def _quoted(ids: list[str]) -> str:
    return ",".join(f"X'{i}'" for i in ids)  # as stored: the id's bytes


def test_bench_reports_its_figures(figures: dict[str, Any], report: list[str]) -> None:
    shares = plan_envelopes(list(ClaimStream(CLAIMS)), CLIENTS, ENVELOPE)

    assert figures["database"] == "sqlite"
    assert figures["claims"] == CLAIMS
    assert figures["envelopes"] == sum(len(share) for share in shares)
    for name in ("claims_per_second", "baseline_claims_per_second", "ratio_to_baseline"):
        assert figures[name] > 0, name
    assert 0 < figures["latency_p50_ms"] <= figures["latency_p99_ms"]
    assert figures["hub_peak_rss_mb"] > 20
    assert figures["bench_peak_rss_mb"] > 20
    # The run's tenths, timed as their verdicts came back, cover every claim
    # once, each from the ledger size the ones before it left.
    segments = figures["segments"]
    assert 1 < len(segments) <= 10
    assert sum(segment["claims"] for segment in segments) == CLAIMS
    assert [segment["claims_before"] for segment in segments] == [
        sum(s["claims"] for s in segments[:index]) for index in range(len(segments))
    ]
    assert all(segment["claims_per_second"] > 0 for segment in segments)
    ratio = segments[-1]["claims_per_second"] / segments[0]["claims_per_second"]
    assert any(f"last / first segment: {ratio:.2f}" in line for line in report)
    # The hub's CPU, read from /proc at each segment's end, is there beside
    # the wall-clock rate (on a shared machine it moves far less).
    assert all(segment["hub_cpu_seconds"] is not None for segment in segments)
    assert sum(segment["hub_cpu_seconds"] for segment in segments) > 0
    # The baseline inserts exactly the claim rows the hub stored: every claim
    # but the exact resubmissions and the refused changed resubmissions.
    changed = figures["rejections"].get("DUPLICATE_RECORD_CHANGED", 0)
    assert figures["baseline_rows"]["claims"] == CLAIMS - figures["resubmissions"] - changed
