"""Disclosure on each database: blocks of a methodology's former id and of its
current id are listed, filtered and totalled as one methodology.

The ledger issues PV units under SZ-PV, then the standard files PV as
HUB-INTERIM-PV (formerly SZ-PV) and the same ledger issues more: the SQL that
maps a stored id to its current one runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from carbonhub_contract.vocabulary.records import Decision
from hub.bootstrap import Hub, build_hub
from hub.domain.serial_blocks import parse_serial
from hub.services.disclosure import DisclosureFilter, TotalsDimension
from hub.settings import HubSettings
from hub.standard import default_standards_dir
from tests.unit.services.builders import PARTNER, pv, pv_project
from tests.unit.services.test_issuance_under_a_renamed_methodology import renamed_standard_dir

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _hub(tmp_path: Path, database_url: str, standards: Path) -> Hub:
    settings = HubSettings(
        data_dir=tmp_path,
        database_url=database_url,
        standards_dir=standards,
        pki_dir=tmp_path / "pki",
        insecure=True,
        session_secret=SecretStr("k" * 48),
    )
    return build_hub(settings, clock=lambda: NOW)


def _issue(hub: Hub, record_id: str, month: str) -> None:
    (verdict,) = hub.ingestion.submit(PARTNER, [pv(record_id, f"{month}-01", f"{month}-27")])
    assert verdict.decision is Decision.ACCEPTED, verdict
    hub.issuance.issue_pending()


def test_old_and_new_ids_are_one_methodology_in_disclosure(
    tmp_path: Path, database_url: str
) -> None:
    before = _hub(tmp_path, database_url, default_standards_dir())
    try:
        (project,) = before.projects.register(PARTNER, [pv_project()])
        assert project.decision is Decision.ACCEPTED
        _issue(before, "R1", "2024-01")
    finally:
        before.close()

    after = _hub(tmp_path, database_url, renamed_standard_dir(tmp_path / "renamed"))
    try:
        _issue(after, "R2", "2024-02")
        disclosure = after.http_services().disclosure
        blocks = list(disclosure.all_blocks(DisclosureFilter()))
        stored = {parse_serial(b.serial).series.methodology for b in blocks}
        assert stored == {"SZ-PV", "HUB-INTERIM-PV"}
        assert {b.methodology for b in blocks} == {"HUB-INTERIM-PV"}
        units = sum(b.units for b in blocks)
        totals = list(disclosure.all_totals(TotalsDimension.METHODOLOGY, DisclosureFilter()))
        assert [(t.key, t.issued_units) for t in totals] == [("HUB-INTERIM-PV", units)]
        for asked in ("SZ-PV", "HUB-INTERIM-PV"):
            where = DisclosureFilter(methodology=asked)
            assert len(list(disclosure.all_blocks(where))) == len(blocks)
            assert disclosure.overall(where).issued_units == units
    finally:
        after.close()
