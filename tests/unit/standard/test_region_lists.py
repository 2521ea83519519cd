"""standards/gbt2260.yaml and .csv: the GB/T 2260 editions as the loader reads them."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from hub.domain.region_checks import region_checks
from hub.domain.region_codes import CodeStanding
from hub.standard import Standard, default_standards_dir
from tests.unit.standard.standard_copies import edit, refused


def test_the_shipped_editions_are_the_county_lists_of_2020_to_2024(standard: Standard) -> None:
    codes = standard.region_codes
    assert [(e.edition, e.as_of, len(e.codes)) for e in codes.editions] == [
        ("2020", date(2020, 12, 31), 3209),
        ("2021", date(2021, 12, 31), 3208),
        ("2022", date(2022, 12, 31), 3208),
        ("2023", date(2023, 12, 31), 3209),
        ("2024", date(2024, 12, 31), 3213),
    ]
    newest = codes.newest.codes
    # every province-level division, Hong Kong, Macao and Taiwan among them
    assert {c for c in newest if c.endswith("0000")} >= {"440000", "450000", "810000", "820000"}
    assert len({c for c in newest if c.endswith("0000")}) == 34
    # county level: Shenzhen's districts, Hechi's counties
    assert {"440303", "440304", "440305", "440306", "440307", "440311"} <= newest
    assert codes.name("451228") == "都安瑶族自治县"
    assert codes.name("440300") == "深圳市"
    # prefecture codes are listed too: a site may be named by its city
    assert {"440100", "441900", "442000", "451200"} <= newest


def test_a_code_of_the_right_shape_that_does_not_exist_is_unknown(standard: Standard) -> None:
    codes = standard.region_codes
    for code in ("449999", "440399", "440302", "451299", "810100"):
        assert codes.standing(code, [date(2024, 6, 1)]) is CodeStanding.UNKNOWN, code


def test_the_changes_of_2021_are_named_with_their_successors(standard: Standard) -> None:
    codes = standard.region_codes
    retired = {c for c in codes.editions[0].codes if c not in codes.editions[1].codes}
    assert len(retired) == 18
    for code in retired:
        change = codes.change(code)
        assert change is not None and change.retired_after == "2020", code
        assert change.successors and all(s in codes.editions[1].codes for s in change.successors)
    change = codes.change("350427")
    assert change is not None and (change.name, change.successors) == ("沙县", ("350405",))
    # the old code is good for activity in 2021, not after
    assert codes.standing("350427", [date(2021, 6, 30)]) is CodeStanding.IN_FORCE
    assert codes.standing("350427", [date(2022, 1, 1)]) is CodeStanding.NOT_IN_FORCE
    assert codes.standing("513402", [date(2020, 6, 30)]) is CodeStanding.NOT_IN_FORCE


def test_the_csv_is_sorted_and_every_row_has_its_editions() -> None:
    path = default_standards_dir() / "gbt2260.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["code", "name", "first_edition", "last_edition"]
    codes = [r[0] for r in rows[1:]]
    assert codes == sorted(codes) and len(codes) == len(set(codes)) == 3233


def test_a_code_of_the_wrong_shape_names_the_line(copy: Path) -> None:
    edit(copy / "gbt2260.csv", "110101,东城区", "11010,东城区")
    error = refused(copy)
    assert (error.file, error.location) == ("standards/gbt2260.csv", "line 3")
    assert "six digits" in error.reason


def test_a_code_listed_twice_is_refused(copy: Path) -> None:
    edit(copy / "gbt2260.csv", "110102,西城区", "110101,西城区")
    error = refused(copy)
    assert error.location == "line 4" and "listed twice" in error.reason


def test_an_undeclared_edition_is_refused(copy: Path) -> None:
    edit(copy / "gbt2260.csv", "110101,东城区,2020,2024", "110101,东城区,2020,2025")
    error = refused(copy)
    assert "edition '2025' is not declared" in error.reason


def test_a_missing_row_is_caught_by_the_declared_count(copy: Path) -> None:
    edit(copy / "gbt2260.csv", "110101,东城区,2020,2024\n", "")
    error = refused(copy)
    assert (error.file, error.location) == ("standards/gbt2260.yaml", "editions[0].rows")
    assert "declares 3209 codes; the CSV lists 3208" in error.reason


def test_a_change_must_name_a_retired_code_and_listed_successors(copy: Path) -> None:
    edit(copy / "gbt2260.yaml", 'successors: ["350405"]', 'successors: ["350427"]')
    error = refused(copy)
    assert error.location == "changes[4].successors[0]"
    assert "not listed in the edition after 2020" in error.reason


def test_a_change_of_a_code_still_in_force_is_refused(copy: Path) -> None:
    edit(
        copy / "gbt2260.yaml", 'code: "350427"\n    name: 沙县', 'code: "350405"\n    name: 沙县区'
    )
    error = refused(copy)
    assert error.location == "changes[4].retired_after"


def test_a_partner_named_by_an_unlisted_code_is_refused(copy: Path) -> None:
    edit(copy / "gbt2260.csv", "451200,河池市,2020,2024\n", "")
    for edition, rows in (("2020", 3209), ("2021", 3208), ("2022", 3208), ("2023", 3209)):
        edit(
            copy / "gbt2260.yaml",
            f"rows: {rows}\n    source: >-\n      民政部《{edition}",
            f"rows: {rows - 1}\n    source: >-\n      民政部《{edition}",
        )
    edit(copy / "gbt2260.yaml", "rows: 3213", "rows: 3212")
    error = refused(copy)
    assert error.file == "standards/agreements/451200.yaml"
    assert "in no GB/T 2260 edition" in error.reason


def test_the_lists_after_2021_add_their_codes_and_retire_theirs(standard: Standard) -> None:
    codes = standard.region_codes
    by_edition = {e.edition: e.codes for e in codes.editions}
    # 2022 changed boundaries only: the same codes as 2021
    assert by_edition["2022"] == by_edition["2021"]
    assert by_edition["2023"] - by_edition["2022"] == {"540481", "540581", "659012"}
    assert by_edition["2022"] - by_edition["2023"] == {"540422", "540530"}
    assert by_edition["2024"] - by_edition["2023"] == {"460302", "460303", "653228", "653229"}
    assert by_edition["2023"] <= by_edition["2024"]
    assert (codes.name("540481"), codes.name("659012"), codes.name("653228")) == (
        "米林市",
        "白杨市",
        "和康县",
    )
    change = codes.change("540422")
    assert change is not None and (change.name, change.retired_after, change.successors) == (
        "米林县",
        "2022",
        ("540481",),
    )
    # 米林县 became a city in April 2023: the old code holds for 2023, not after
    assert codes.standing("540422", [date(2023, 6, 30)]) is CodeStanding.IN_FORCE
    assert codes.standing("540422", [date(2024, 1, 1)]) is CodeStanding.NOT_IN_FORCE
    assert codes.standing("540481", [date(2023, 6, 30)]) is CodeStanding.IN_FORCE
    # 白杨市 (2023) is not in force for 2022 activity; 和康县 (end of 2024) is for 2025
    assert codes.standing("659012", [date(2022, 6, 30)]) is CodeStanding.NOT_IN_FORCE
    assert codes.standing("653228", [date(2025, 3, 1)]) is CodeStanding.IN_FORCE
    assert codes.editions_on([date(2025, 3, 1)]) == ("2024",)
    assert codes.editions_on([date(2023, 6, 30)]) == ("2022", "2023")


def test_a_retired_tibetan_code_is_refused_for_2024_naming_its_successor(
    standard: Standard,
) -> None:
    window = (date(2024, 5, 1), date(2024, 5, 31))
    checks = region_checks("540530", None, "CN-XZ", standard.region_codes, window)
    assert [c.code for c in checks] == ["REGION_CODE_NOT_IN_FORCE"]
    assert checks[0].details["successors"] == "540581 错那市"
    assert checks[0].details["editions"] == "2023, 2024"
    assert not region_checks("540581", None, "CN-XZ", standard.region_codes, window)
