"""External registers' lists on each backend: versions kept apart, the latest
compared, a version taken twice refused by the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.register_claims import asset_id_key, entry_keys, serial_key
from hub.domain.registers import RegisterKind, SerialRange, parse_entries
from hub.services.asset_checks import thresholds_of
from hub.services.projects import ProjectRegistrationService
from hub.services.register_port import RegisterVersion
from hub.services.registers import RegisterImportService
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWorkFactory
from hub.standard import Standard, default_standards_dir, load_standard
from tests.unit.services.builders import pv_project


@pytest.fixture(scope="module")
def standard() -> Standard:
    return load_standard(default_standards_dir())


HEADER = "entry_id,name,type,longitude,latitude,size,size_unit\n"
FOREST = "SZ-CI-F-7,大鹏新区某林地,森林,113.5,23.5,1200,ha\n"
ROOF = "SZ-CI-PV-9,某厂房光伏,pv,113.4529,23.1701,380,kW\n"


def test_the_latest_list_of_each_register_is_compared(
    uow_factory: UnitOfWorkFactory, standard: Standard, tmp_path: Path
) -> None:
    registers = RegisterImportService(uow_factory, thresholds_of(standard.header.asset_matching))
    (tmp_path / "sz1.csv").write_text(HEADER + FOREST + ROOF, encoding="utf-8")
    (tmp_path / "sz2.csv").write_text(HEADER + FOREST, encoding="utf-8")
    (tmp_path / "ccer.csv").write_text(HEADER + ROOF.replace("SZ-CI", "CCER"), encoding="utf-8")
    registers.import_file(RegisterKind.SHENZHEN, tmp_path / "sz1.csv", "bureau:a")
    registers.import_file(RegisterKind.SHENZHEN, tmp_path / "sz2.csv", "bureau:a")
    registers.import_file(RegisterKind.CCER, tmp_path / "ccer.csv", "bureau:a")

    projects = ProjectRegistrationService(uow_factory, standard)
    (roof,) = projects.register("CN-GD", [pv_project()])
    parcel = pv_project(
        project_id="GD-FOREST-9",
        partner_methodology="GD-FOREST-P",
        size_value="300",
        size_unit="ha",
        longitude="113.49",
        latitude="23.49",
    )
    (forest,) = projects.register("CN-GD", [parcel])

    # The roof left Shenzhen's list in its second version; CCER still lists it.
    assert roof.decision is Decision.HELD
    assert [c.details["matches"] for c in roof.checks] == ["ccer/CCER-PV-9"]
    assert forest.decision is Decision.HELD
    assert [(c.details["matches"], c.details["version"]) for c in forest.checks] == [
        ("shenzhen/SZ-CI-F-7", "2")
    ]


def test_a_version_is_taken_once(uow_factory: UnitOfWorkFactory) -> None:
    entries, _ = parse_entries(
        [dict(zip(HEADER.strip().split(","), ROOF.strip().split(","), strict=True))]
    )
    version = RegisterVersion(
        RegisterKind.GEC, 1, "a", "f.csv", "0" * 64, 1, datetime(2026, 12, 1, tzinfo=UTC), "x"
    )
    with uow_factory() as uow:
        uow.registers.add_version(version, [(entries[0], ("k",))])
        uow.commit()
    with pytest.raises(ConcurrentWriteConflict), uow_factory() as uow:
        uow.registers.add_version(
            RegisterVersion(
                RegisterKind.GEC, 1, "b", "g.csv", "1" * 64, 1, version.imported_at, "y"
            ),
            [(entries[0], ("k",))],
        )
        uow.commit()


def test_what_an_entry_covers_is_kept_and_found_by_its_keys(
    uow_factory: UnitOfWorkFactory,
) -> None:
    rows = [
        {
            "entry_id": "GEC-2024-03-77",
            "name": "屋顶光伏 2024 年 3 月绿证",
            "type": "光伏",
            "asset_id": "4401-PV-2023-0007",
            "period_start": "2024-03",
            "period_end": "2024-03",
            "serial_range": "GEC-44-2024-1001-1380",
        }
    ]
    entries, problems = parse_entries(rows)
    assert problems == []
    version = RegisterVersion(
        RegisterKind.GEC, 1, "imp-cover", "g.csv", "0" * 64, 1, datetime.now(UTC), "bureau:a"
    )
    with uow_factory() as uow:
        uow.registers.add_version(version, [(e, entry_keys(RegisterKind.GEC, e)) for e in entries])
        uow.commit()
    with uow_factory() as uow:
        by_id = uow.registers.current([asset_id_key("4401-pv-2023-0007")])
        by_serial = uow.registers.current([serial_key("GEC-44-2024")])
    assert by_id == by_serial and len(by_id) == 1
    entry = by_id[0].entry
    assert (entry.asset_id, entry.period_start, entry.period_end, entry.serials) == (
        "4401-PV-2023-0007",
        date(2024, 3, 1),
        date(2024, 3, 31),
        SerialRange("GEC-44-2024", 1001, 1380),
    )
    assert (entry.latitude, entry.longitude, entry.size) == (None, None, None)
