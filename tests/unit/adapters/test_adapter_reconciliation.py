"""The partner's holdings from its registry data, and its attestation journal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adapters.attestation_journal import AttestationJournal, JournalEntry, JournalError
from adapters.reconciliation import delivery_folders, registry_holdings
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.holdings import (
    partner_holding,
    source_cancelled_entry,
    totals_of,
)
from carbonhub_contract.vocabulary.records import OriginStatus
from tests.unit.adapters.adapter_testkit import GD_01, GD_02, HK_01, TPL_01


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """Every sample delivery in one folder, named so that name order is NOT created_at order."""
    root = tmp_path / "registry"
    shutil.copytree(GD_02, root / "a-GD-second")
    shutil.copytree(GD_01, root / "b-GD-first")
    shutil.copytree(HK_01, root / "c-HK")
    shutil.copytree(TPL_01, root / "d-TPL")
    (root / "not-a-delivery").mkdir()
    (root / "notes.txt").write_text("ignored", encoding="utf-8")
    return root


def test_deliveries_of_the_partner_in_created_at_order(registry: Path) -> None:
    assert [f.name for f in delivery_folders(registry, "CN-GD")] == ["b-GD-first", "a-GD-second"]
    assert [f.name for f in delivery_folders(registry, "CN-HK")] == ["c-HK"]
    held = registry_holdings("guangdong", registry)
    assert held.deliveries == ("GD-20241031-01", "GD-20241107-02")
    assert held.refused == ()


def test_latest_delivery_of_a_record_wins(registry: Path) -> None:
    held = registry_holdings("guangdong", registry)
    second = {
        c.submission.record_id: c.submission for c in adapter_for("guangdong").read(GD_02).claims
    }
    first = {
        c.submission.record_id: c.submission for c in adapter_for("guangdong").read(GD_01).claims
    }
    assert set(held.submissions) == set(first) | set(second)
    # GD2024R0001205 was re-sent with 活动量 74100 → 74600.
    changed = held.submissions["GD2024R0001205"]
    assert first["GD2024R0001205"].activity_quantity == "74100"
    assert changed.activity_quantity == "74600"
    holding = next(h for h in held.holdings if h.subject_id == "GD2024R0001205")
    assert holding.digest == second["GD2024R0001205"].reconciliation_digest()
    assert holding.digest != first["GD2024R0001205"].reconciliation_digest()
    # Re-sent unchanged from a GB18030 file: the same digest as from the UTF-8 one.
    for record_id in ("GD2024R0001204", "GD2024R0001224", "GD2024P0030101"):
        assert first[record_id].reconciliation_digest() == second[record_id].reconciliation_digest()


def test_the_gb18030_delivery_is_read_as_chinese_text(registry: Path) -> None:
    held = registry_holdings("guangdong", registry)
    record = held.submissions["GD2024R0001301"]
    assert record.verifier == "粤核环境核证有限公司"
    assert record.raw["审核人"] == "陈晓明"
    assert record.partner_methodology == "GD-PV"
    assert record.reported_tco2e == "14.137326"
    holding = next(h for h in held.holdings if h.subject_id == "GD2024R0001301")
    assert (holding.vintage, str(holding.quantity)) == (2024, "14.137326")


@pytest.mark.parametrize(
    ("name", "samples"),
    [("guangdong", (GD_01, GD_02)), ("hongkong", (HK_01,)), ("template", (TPL_01,))],
)
def test_holdings_are_the_mapped_rows_as_the_hub_would_build_them(
    registry: Path, name: str, samples: tuple[Path, ...]
) -> None:
    held = registry_holdings(name, registry)
    mapped = {}
    for folder in samples:  # in created_at order already
        for claim in adapter_for(name).read(folder).claims:
            mapped[claim.submission.record_id] = claim.submission
    assert mapped, "the samples map rows"
    assert [h.subject_id for h in held.holdings] == sorted(mapped)
    for h in held.holdings:
        submission = mapped[h.subject_id]
        assert h.digest == submission.reconciliation_digest()
        assert h == partner_holding(submission, submission.origin_status)
        assert h.state == str(submission.origin_status)
        assert h.serial == (submission.origin_serial or "")
    assert held.totals == totals_of(held.holdings)
    assert sum(t.count for t in held.totals) == len(mapped)


def test_guangdong_issued_records_hold_their_phcer_serial(registry: Path) -> None:
    held = {h.subject_id: h for h in registry_holdings("guangdong", registry).holdings}
    issued = held["GD2024R0001201"]
    assert issued.state == str(OriginStatus.ISSUED)
    assert issued.serial == "GDPH-4401-PV-2023-0007-2024-000101-000116"
    assert issued.trail == frozenset()


def test_a_refused_delivery_is_reported_not_counted(registry: Path) -> None:
    broken = registry / "e-GD-broken"
    shutil.copytree(GD_01, broken)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    held = registry_holdings("guangdong", registry)
    assert held.refused == ("e-GD-broken",)
    assert held.deliveries == ("GD-20241031-01", "GD-20241107-02")


def _entry(**changes: str) -> JournalEntry:
    values = {
        "partner": "CN-GD",
        "claim_id": "claim-1",
        "record_id": "GD2024R0001201",
        "origin_serial": "GDPH-4401-PV-2023-0007-2024-000101-000116",
        "cancellation_id": "GDC-2024-0001",
        "cancelled_at": "2024-11-20T10:00:00+08:00",
        "attested_at": "2024-11-20T02:05:00+00:00",
    }
    values.update(changes)
    return JournalEntry(**values)


def test_journal_trails_by_record_id_or_origin_serial(registry: Path, tmp_path: Path) -> None:
    journal = AttestationJournal(tmp_path / "journal.jsonl")
    assert journal.append(_entry())
    assert not journal.append(_entry(attested_at="later"))  # recorded once
    assert journal.append(
        _entry(
            claim_id="claim-3",
            record_id="",
            origin_serial="GDPH-4401-PV-2023-0007-2024-000117-000133",
            cancellation_id="GDC-2024-0002",
        )
    )
    assert journal.append(_entry(partner="CN-HK", cancellation_id="HK-X"))  # other partner
    held = {h.subject_id: h for h in registry_holdings("guangdong", registry, journal).holdings}
    assert held["GD2024R0001201"].trail == {source_cancelled_entry("GDC-2024-0001")}
    assert held["GD2024R0001203"].trail == {source_cancelled_entry("GDC-2024-0002")}
    assert sum(len(h.trail) for h in held.values()) == 2
    lines = (tmp_path / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["cancellation_id"] for line in lines] == [
        "GDC-2024-0001",
        "GDC-2024-0002",
        "HK-X",
    ]


def test_journal_survives_a_torn_last_line_and_refuses_garbage(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = AttestationJournal(path)
    journal.append(_entry())
    with path.open("a", encoding="utf-8") as f:
        f.write('{"partner": "CN-GD", "claim_')  # a crash mid-append
    assert [e.cancellation_id for e in journal.entries()] == ["GDC-2024-0001"]
    # The next append drops the torn tail instead of gluing onto it.
    assert journal.append(_entry(cancellation_id="GDC-2024-0003"))
    assert [e.cancellation_id for e in journal.entries()] == ["GDC-2024-0001", "GDC-2024-0003"]
    path.write_text("garbage\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(JournalError, match="line 1"):
        journal.entries()
