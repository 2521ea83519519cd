"""Loading a register's list and registering a project that is on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.registers import RegisterKind
from hub.errors import InvalidRequest
from hub.services.asset_checks import thresholds_of
from hub.services.registers import RegisterImportService
from hub.standard import Standard

from .builders import PARTNER, pv, pv_project
from .ledger_setup import Ledger, make_ledger

HEADER = "entry_id,name,type,longitude,latitude,size,size_unit,region_code\n"
ROOF = "GEC-44-000123,广州科学城厂房屋顶光伏,分布式光伏,113.4529,23.1701,380,kW,440112\n"
OTHER = "GEC-44-000124,佛山某厂房光伏,分布式光伏,113.1000,23.0000,600,kW,440604\n"


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard, register_project=False)


@pytest.fixture
def registers(ledger: Ledger, standard: Standard) -> RegisterImportService:
    thresholds = thresholds_of(standard.header.asset_matching)
    return RegisterImportService(ledger.uow_factory, thresholds, ledger.clock)


def test_a_project_on_the_gec_list_is_held_naming_the_entry(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    first = tmp_path / "gec-2026-11.csv"
    first.write_text(HEADER + ROOF + OTHER, encoding="utf-8")
    loaded = registers.import_file(RegisterKind.GEC, first, "bureau:王科长")
    version = loaded.version
    assert (version.version, version.entries, loaded.matched) == (1, 2, ())

    (held,) = ledger.projects.register(PARTNER, [pv_project()])

    assert held.decision is Decision.HELD
    (check,) = held.checks
    assert check.code == "PROJECT_IN_EXTERNAL_REGISTER"
    assert (check.details["register"], check.details["entry_id"], check.details["version"]) == (
        "GEC 绿证",
        "GEC-44-000123",
        "1",
    )
    (event,) = [e for e in ledger.uow_factory.store.events if e.subject_kind == "register"]
    assert (event.subject_id, event.event, event.actor) == ("gec", "IMPORTED", "bureau:王科长")
    assert event.details["sha256"] == version.sha256 and event.details["entries"] == "2"


def test_the_latest_version_of_a_list_is_the_one_compared(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    first = tmp_path / "gec.csv"
    first.write_text(HEADER + ROOF, encoding="utf-8")
    registers.import_file(RegisterKind.GEC, first, "bureau:a")
    # The next list (JSON this time) no longer names the roof.
    second = tmp_path / "gec.json"
    entry = dict(zip(HEADER.strip().split(","), OTHER.strip().split(","), strict=True))
    second.write_text(json.dumps({"entries": [entry]}, ensure_ascii=False), encoding="utf-8")
    assert registers.import_file(RegisterKind.GEC, second, "bureau:a").version.version == 2

    (result,) = ledger.projects.register(PARTNER, [pv_project()])

    assert (result.decision, result.checks) == (Decision.ACCEPTED, ())
    assert [(v.kind, v.version) for v in registers.versions()] == [
        (RegisterKind.GEC, 1),
        (RegisterKind.GEC, 2),
    ]


def test_a_list_with_a_wrong_row_loads_nothing(
    registers: RegisterImportService, tmp_path: Path
) -> None:
    bad = tmp_path / "ccer.csv"
    bad.write_text(HEADER + ROOF + "X,n,wind,113,23,5,kW,\n", encoding="utf-8")
    with pytest.raises(InvalidRequest) as refused:
        registers.import_file(RegisterKind.CCER, bad, "bureau:a")
    assert refused.value.code == "REGISTER_FILE_INVALID"
    assert (refused.value.details["line"], refused.value.details["column"]) == ("3", "type")
    assert registers.versions() == []
    with pytest.raises(InvalidRequest) as missing:
        registers.import_file(RegisterKind.CCER, tmp_path / "nowhere.csv", "bureau:a")
    assert missing.value.code == "REGISTER_FILE_UNREADABLE"


def test_a_list_loaded_after_a_project_names_the_registered_project(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    listing = tmp_path / "hk-rec.csv"
    listing.write_text(HEADER + ROOF + OTHER, encoding="utf-8")

    loaded = registers.import_file(RegisterKind.HK_REC, listing, "bureau:a")

    assert [(m.partner, m.project_id, m.entry_id) for m in loaded.matched] == [
        (PARTNER, "4401-PV-2023-0007", "GEC-44-000123")
    ]
    (event,) = [e for e in ledger.uow_factory.store.events if e.subject_kind == "register"]
    assert event.details["matched"] == f"{PARTNER}/4401-PV-2023-0007=GEC-44-000123"


CLAIM_HEADER = "entry_id,name,type,asset_id,period_start,period_end,serial_range\n"


def test_a_claim_for_months_a_register_certified_is_rejected_naming_the_entry(
    standard: Standard, tmp_path: Path
) -> None:
    ledger = make_ledger(standard)
    registers = RegisterImportService(
        ledger.uow_factory, thresholds_of(standard.header.asset_matching), ledger.clock
    )
    listing = tmp_path / "gec-2025.csv"
    listing.write_text(
        CLAIM_HEADER
        + "GEC-2025-0612,屋顶光伏 2025 年 6 月,光伏,4401-PV-2023-0007,2025-06,2025-06,\n",
        encoding="utf-8",
    )
    registers.import_file(RegisterKind.GEC, listing, "bureau:a")

    june, july = ledger.ingestion.submit(
        PARTNER,
        [pv("R-JUNE", "2025-06-01", "2025-06-30"), pv("R-JULY", "2025-07-01", "2025-07-31")],
    )

    assert june.decision is Decision.REJECTED
    (check,) = [c for c in june.checks if c.code == "CLAIM_CREDITED_IN_EXTERNAL_REGISTER"]
    assert (check.details["register"], check.details["entry_id"], check.details["version"]) == (
        "GEC 绿证",
        "GEC-2025-0612",
        "1",
    )
    assert july.decision is Decision.ACCEPTED
    assert not [c for c in july.checks if "EXTERNAL_REGISTER" in c.code]


def test_a_claim_of_a_roof_on_a_project_list_is_held(standard: Standard, tmp_path: Path) -> None:
    ledger = make_ledger(standard)
    registers = RegisterImportService(
        ledger.uow_factory, thresholds_of(standard.header.asset_matching), ledger.clock
    )
    listing = tmp_path / "ccer.csv"
    listing.write_text(HEADER + ROOF, encoding="utf-8")
    loaded = registers.import_file(RegisterKind.CCER, listing, "bureau:a")
    assert [m.entry_id for m in loaded.matched] == ["GEC-44-000123"]

    (held,) = ledger.ingestion.submit(PARTNER, [pv("R-1", "2025-06-01", "2025-06-30")])

    assert held.decision is Decision.HELD
    (check,) = [c for c in held.checks if "EXTERNAL_REGISTER" in c.code]
    assert (check.code, check.details["matched_by"]) == (
        "CLAIM_ASSET_IN_EXTERNAL_REGISTER",
        "location_and_size",
    )


def test_a_project_a_register_names_by_its_id_is_held(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    listing = tmp_path / "shenzhen.json"
    entry = {"entry_id": "SZ-9", "name": "屋顶光伏", "type": "pv", "asset_id": "4401-PV-2023-0007"}
    listing.write_text(json.dumps([entry], ensure_ascii=False), encoding="utf-8")
    registers.import_file(RegisterKind.SHENZHEN, listing, "bureau:a")

    (held,) = ledger.projects.register(PARTNER, [pv_project()])

    assert held.decision is Decision.HELD
    (check,) = held.checks
    assert (check.code, check.details["matched_by"], check.details["register"]) == (
        "PROJECT_IN_EXTERNAL_REGISTER",
        "asset_id",
        "深圳碳普惠",
    )
