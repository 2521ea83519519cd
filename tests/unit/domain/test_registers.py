"""External registers' lists: rows read as entries, entries compared with projects."""

from __future__ import annotations

from decimal import Decimal

from hub.domain.asset_matching import Thresholds, site_of
from hub.domain.registers import ListedEntry, RegisterKind, parse_entries, register_checks

THRESHOLDS = Thresholds(Decimal("0.05"), Decimal(1000), Decimal("0.01"), Decimal("0.1"))
ROW = {
    "entry_id": "CCER-PV-0042",
    "name": "广州科学城厂房屋顶光伏",
    "type": "光伏",
    "longitude": "113.4530",
    "latitude": "23.1700",
    "size": "0.38",
    "size_unit": "MW",
    "region_code": "440112",
}


def test_rows_become_entries_in_the_hubs_families() -> None:
    forest = {**ROW, "entry_id": "F-1", "type": "林业碳汇", "size": "1200", "size_unit": "ha"}
    entries, problems = parse_entries([ROW, forest])
    assert problems == []
    assert [(e.entry_id, e.family, e.size, e.size_unit) for e in entries] == [
        ("CCER-PV-0042", "SZ-PV", Decimal("0.38"), "MW"),
        ("F-1", "SZ-FOREST-SINK", Decimal(1200), "ha"),
    ]


def test_every_problem_is_named_by_line_and_column() -> None:
    bad = {**ROW, "entry_id": "X", "type": "wind", "latitude": "123", "size_unit": "kWh"}
    _, problems = parse_entries([ROW, bad, ROW, {"entry_id": "Y"}])
    assert [(p.line, p.column) for p in problems] == [
        (3, "type"),
        (3, "latitude"),
        (3, "size_unit"),
        (4, "entry_id"),
        (5, "name"),
        (5, "type"),
        (5, "longitude"),
        (5, "latitude"),
        (5, "size"),
        (5, "size_unit"),
    ]
    assert problems[3].reason == "the entry appears twice"


def test_a_project_on_a_register_is_named_with_the_entry_and_version() -> None:
    entries, _ = parse_entries([ROW])
    listed = [ListedEntry(RegisterKind.CCER, 3, "2026-12-01T00:00:00+00:00", entries[0])]
    roof = site_of(
        "CN-GD",
        "4401-PV-2023-0007",
        "SZ-PV",
        Decimal("23.1703"),
        Decimal("113.4526"),
        Decimal("380.5"),
        "kWp",
    )
    assert roof is not None
    (check,) = register_checks(roof, listed, THRESHOLDS)
    assert check.code == "PROJECT_IN_EXTERNAL_REGISTER"
    assert (check.details["register"], check.details["entry_id"], check.details["version"]) == (
        "CCER",
        "CCER-PV-0042",
        "3",
    )
    other = site_of(
        "CN-GD", "P", "SZ-PV", Decimal("23.1703"), Decimal("113.4526"), Decimal(500), "kW"
    )
    assert other is not None and register_checks(other, listed, THRESHOLDS) == []


def test_a_project_the_register_names_by_its_id_is_named_without_a_site() -> None:
    row = {"entry_id": "GEC-A-1", "name": "屋顶光伏", "type": "pv", "asset_id": "4401-pv-2023-0007"}
    entries, problems = parse_entries([row])
    assert problems == []
    listed = [ListedEntry(RegisterKind.GEC, 1, "2026-12-01T00:00:00+00:00", entries[0])]
    (check,) = register_checks(None, listed, THRESHOLDS, " 4401-PV-2023-0007")
    assert (check.code, check.details["matched_by"], check.details["entry_id"]) == (
        "PROJECT_IN_EXTERNAL_REGISTER",
        "asset_id",
        "GEC-A-1",
    )
    assert register_checks(None, listed, THRESHOLDS, "4401-PV-2023-0008") == []
