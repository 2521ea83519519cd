"""GB/T 2260 editions: which list is in force on a day, and the checks a site's code gets."""

from __future__ import annotations

from datetime import date
from typing import cast

import pytest

from hub.domain.agreements import Agreement, PartnerRegion
from hub.domain.checks import CheckResult
from hub.domain.region_checks import region_checks
from hub.domain.region_codes import CodeStanding, RegionChange, RegionCodeList, RegionEdition

# A small list in the shape of the real one: 沙县 (350427) became 沙县区 (350405)
# and 三元区 moved from 350403 to 350404 in the 2021 edition; 659011 is new in 2021.
E2020 = RegionEdition(
    "2020", date(2020, 12, 31), frozenset({"350400", "350403", "350427", "440300", "810000"})
)
E2021 = RegionEdition(
    "2021",
    date(2021, 12, 31),
    frozenset({"350400", "350404", "350405", "440300", "659011", "810000"}),
)
NAMES = {
    "350400": "三明市",
    "350403": "三元区",
    "350404": "三元区",
    "350405": "沙县区",
    "350427": "沙县",
    "440300": "深圳市",
    "659011": "新星市",
    "810000": "香港特别行政区",
}
CODES = RegionCodeList(
    [E2021, E2020],  # any order
    NAMES,
    [
        RegionChange("350427", "沙县", "2020", ("350405",)),
        RegionChange("350403", "三元区", "2020", ("350404",)),
    ],
)


class _Region:
    """What region_checks reads of an agreement: its region."""

    def __init__(self, prefix: str) -> None:
        self.region = PartnerRegion(
            iso_3166_2="CN-GD", gbt2260_prefix=prefix, name_zh="广东省", name_en="Guangdong"
        )


def _agreement(prefix: str) -> Agreement:
    return cast(Agreement, _Region(prefix))


def _codes(checks: tuple[CheckResult, ...]) -> list[str]:
    return [c.code for c in checks]


@pytest.mark.parametrize(
    ("day", "editions"),
    [
        (date(2019, 6, 1), ("2020",)),  # before the oldest list: the oldest alone
        (date(2020, 12, 31), ("2020",)),
        (date(2021, 1, 1), ("2020", "2021")),  # a change during 2021: old and new codes
        (date(2021, 12, 31), ("2020", "2021")),
        (date(2022, 1, 1), ("2021",)),  # after the newest list: the newest alone
        (date(2025, 3, 1), ("2021",)),
    ],
)
def test_the_lists_in_force_on_a_day(day: date, editions: tuple[str, ...]) -> None:
    assert tuple(e.edition for e in CODES.in_force_on(day)) == editions


def test_a_code_is_in_force_under_its_old_number_until_its_year_ends() -> None:
    assert CODES.standing("350427", [date(2020, 5, 1)]) is CodeStanding.IN_FORCE
    assert CODES.standing("350427", [date(2021, 11, 30)]) is CodeStanding.IN_FORCE
    assert CODES.standing("350427", [date(2022, 1, 1)]) is CodeStanding.NOT_IN_FORCE
    # and under its new number from the year of the change, not before
    assert CODES.standing("350405", [date(2021, 3, 1)]) is CodeStanding.IN_FORCE
    assert CODES.standing("350405", [date(2020, 3, 1)]) is CodeStanding.NOT_IN_FORCE
    # a period spanning the change passes when either end does
    assert CODES.standing("350405", [date(2020, 12, 1), date(2021, 1, 31)]) is CodeStanding.IN_FORCE
    # no day given: listed in any edition
    assert CODES.standing("350427", []) is CodeStanding.IN_FORCE
    assert CODES.standing("449999", []) is CodeStanding.UNKNOWN


def test_a_code_in_no_list_is_unknown() -> None:
    checks = region_checks("449999", _agreement("44"), "CN-GD", CODES, (date(2024, 3, 1),))
    assert _codes(checks) == ["REGION_CODE_UNKNOWN"]
    assert checks[0].details["editions"] == "2020, 2021"
    assert checks[0].details["field"] == "region_code"


def test_a_retired_code_names_the_lists_in_force_and_its_successor() -> None:
    checks = region_checks("350427", None, "CN-FJ", CODES, (date(2023, 5, 1), date(2023, 5, 31)))
    assert _codes(checks) == ["REGION_CODE_NOT_IN_FORCE"]
    details = checks[0].details
    assert details["editions"] == "2021"
    assert details["listed_in"] == "2020"
    assert details["successors"] == "350405 沙县区"
    assert details["name"] == "沙县"
    assert details["activity_date"] == "2023-05-01 / 2023-05-31"
    assert "350405" in checks[0].message_en and "350405" in checks[0].message_zh


def test_a_code_used_before_it_existed_is_not_in_force() -> None:
    checks = region_checks("659011", None, "CN-XJ", CODES, (date(2020, 6, 1),))
    assert _codes(checks) == ["REGION_CODE_NOT_IN_FORCE"]
    assert checks[0].details["successors"] == "-"


def test_a_listed_code_outside_the_partner_region_is_still_refused_for_that() -> None:
    checks = region_checks("350405", _agreement("44"), "CN-GD", CODES, (date(2024, 1, 1),))
    assert _codes(checks) == ["SITE_OUTSIDE_PARTNER_REGION"]
    both = region_checks("350427", _agreement("44"), "CN-GD", CODES, (date(2024, 1, 1),))
    assert _codes(both) == ["REGION_CODE_NOT_IN_FORCE", "SITE_OUTSIDE_PARTNER_REGION"]


def test_shape_is_checked_first_and_alone() -> None:
    assert _codes(region_checks("44999", _agreement("44"), "CN-GD", CODES)) == [
        "REGION_CODE_INVALID"
    ]
    assert _codes(region_checks("990000", None, "CN-GD", CODES)) == ["REGION_CODE_INVALID"]


def test_prefecture_and_special_administrative_region_codes_pass() -> None:
    assert region_checks("440300", _agreement("44"), "CN-GD", CODES, (date(2024, 1, 1),)) == ()
    assert region_checks("810000", _agreement("81"), "CN-HK", CODES, (date(2024, 1, 1),)) == ()


def test_without_a_list_only_shape_and_region_are_checked() -> None:
    assert region_checks("449999", _agreement("44"), "CN-GD") == ()


def test_a_list_needs_an_edition_and_distinct_days() -> None:
    with pytest.raises(ValueError, match="at least one edition"):
        RegionCodeList([], {})
    with pytest.raises(ValueError, match="same day"):
        RegionCodeList([E2020, RegionEdition("2020b", date(2020, 12, 31), frozenset())], {})
