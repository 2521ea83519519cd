"""`--check` says what the hub says: every sample delivery of every adapter,
checked offline and then submitted whole to a fresh hub (real services on a
real SQLite ledger, nothing else in it), gets the same decision and the
same check codes for each project and claim."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.delivery_report import DeliveryReport
from adapters.registry import adapter_for
from carbonhub_tools.offline_check import check_delivery, load_partner_standard
from hub.bootstrap import build_hub
from hub.settings import HubSettings

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SAMPLES = [
    (name, folder)
    for name, package in (
        ("guangdong", "guangdong"),
        ("hongkong", "hongkong"),
        ("hechi", "hechi"),
        ("macao", "macao"),
        ("template", "partner_template"),
    )
    for folder in sorted((ROOT / "adapters" / package / "samples").glob("*/manifest.json"))
]


def _offline(report: DeliveryReport) -> tuple[list[tuple[str, str, str, list[str]]], ...]:
    projects = [
        (p.project_id, p.decision.value, p.review_state, sorted(c.code for c in p.checks))
        for p in report.projects
    ]
    claims = [
        (c.record_id, c.decision.value, c.credited_tco2e, sorted(c.code for c in c.checks))
        for c in report.claims
    ]
    return projects, claims


@pytest.mark.parametrize(("name", "manifest"), SAMPLES, ids=[m.parent.name for _, m in SAMPLES])
def test_the_offline_check_gives_the_hubs_decisions(
    name: str, manifest: Path, tmp_path: Path
) -> None:
    delivery = adapter_for(name).read(manifest.parent)
    if delivery.refused:
        pytest.skip("refused whole by the adapter: nothing to assess")
    offline = check_delivery(delivery, load_partner_standard(), NOW)

    hub = build_hub(HubSettings(data_dir=tmp_path), clock=lambda: NOW)
    try:
        partner = delivery.partner
        registered = hub.projects.register(partner, [p.submission for p in delivery.projects])
        verdicts = hub.ingestion.submit(partner, [c.submission for c in delivery.claims])
    finally:
        hub.close()
    projects = [
        (
            r.project_id,
            r.decision.value,
            str(r.review_state) if r.review_state else "",
            sorted(c.code for c in r.checks),
        )
        for r in registered
    ]
    claims = [
        (
            v.record_id,
            v.decision.value,
            "" if v.credited_tco2e is None else str(v.credited_tco2e),
            sorted(c.code for c in v.checks),
        )
        for v in verdicts
    ]
    assert _offline(offline) == (projects, claims)
    assert claims, "a sample delivery carries claims"
