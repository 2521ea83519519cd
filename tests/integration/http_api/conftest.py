"""A real hub on each database (SQLite, PostgreSQL) with a small ledger, and
its HTTP app driven through the ASGI interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from carbonhub_contract.vocabulary.records import Decision
from hub.bootstrap import Hub, build_hub
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.http_api.app import create_app
from hub.settings import HubSettings
from tests.review_standards import bureau_reviewed_standards
from tests.unit.services.builders import PARTNER, pv, pv_project

OFFICER_USERNAME = "wang"
OFFICER_NAME = "王科长"
OFFICER_PASSWORD = "correct horse battery staple"


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class LiveLedger:
    hub: Hub
    clock: MovableClock
    client: TestClient


def _settings(tmp_path: Path, database_url: str, standards: Path | None) -> HubSettings:
    return HubSettings(
        data_dir=tmp_path,
        database_url=database_url,
        standards_dir=standards,
        pki_dir=tmp_path / "pki",
        insecure=True,  # makes the hub signing key the audit service needs
        session_secret=SecretStr("k" * 48),
        login_max_failures=3,
    )


def _live(tmp_path: Path, database_url: str, standards: Path | None) -> Iterator[LiveLedger]:
    clock = MovableClock()
    settings = _settings(tmp_path, database_url, standards)
    hub = build_hub(settings, clock=clock)
    hub.officers.add_officer(OFFICER_USERNAME, OFFICER_NAME, OFFICER_PASSWORD, added_by="test")
    with TestClient(create_app(hub, settings), follow_redirects=False) as client:
        yield LiveLedger(hub, clock, client)
    hub.close()


def populate(ledger: LiveLedger) -> None:
    """Three months of issuance; retirements (one splitting its block); a cancellation."""
    hub, clock = ledger.hub, ledger.clock
    (project,) = hub.projects.register(PARTNER, [pv_project()])
    assert project.decision is Decision.ACCEPTED
    months = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
    for index, month in enumerate(months):
        verdicts = hub.ingestion.submit(
            PARTNER,
            [pv(f"R{index}", f"{month}-01", f"{month}-27", activity_quantity=str(20000 + index))],
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED]
        if index % 2 == 1:
            hub.issuance.issue_pending()
            clock.now += timedelta(days=31)
    issued = sorted(
        {e.block.block_id: e.block for e in hub.exchange.events(0, 1000)}.values(),
        key=lambda b: b.serial,
    )
    assert len(issued) >= 3
    hub.exchange.acknowledge([b.block_id for b in issued])
    first, second, third = issued[0], issued[1], issued[2]
    hub.exchange.retire(
        RetirementRequest(
            "EX-1", first.block_id, first.units, RetirementPurpose.VOLUNTARY, "深圳某公司"
        )
    )
    clock.now += timedelta(days=31)
    hub.exchange.retire(
        RetirementRequest("EX-2", second.block_id, 2, RetirementPurpose.VOLUNTARY, "某活动")
    )
    hub.bureau.cancel_block(third.block_id, "verification fraud", "王科长")


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[LiveLedger]:
    yield from _live(tmp_path, database_url, None)


@pytest.fixture
def bureau_live(tmp_path: Path, database_url: str) -> Iterator[LiveLedger]:
    """CN-GD's agreement leaves project review to the bureau."""
    standards = bureau_reviewed_standards(tmp_path / "standards")
    yield from _live(tmp_path, database_url, standards)
