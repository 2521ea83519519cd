from __future__ import annotations

import pytest

from hub.domain import regions
from hub.domain.locks import OriginBlock
from hub.domain.origin_serials import SerialError, parse_phcer


def test_region_codes() -> None:
    assert regions.is_valid_code("440100")
    assert regions.is_valid_code("810000")
    assert not regions.is_valid_code("990100")  # no province 99
    assert not regions.is_valid_code("44010")
    assert not regions.is_valid_code("44O100")
    assert regions.within("441300", "44")
    assert not regions.within("450100", "44")
    assert regions.province_prefix("440300") == "44"
    assert regions.province_prefix("000000") is None


def test_phcer_project_block_is_read_from_the_right() -> None:
    parsed = parse_phcer("GDPH-4401-PV-2023-0007-2024-1-150")
    assert parsed.block == OriginBlock("GDPH-4401-PV-2023-0007-2024", 1, 150)
    assert parsed.block.units == 150
    assert parsed.project_id == "4401-PV-2023-0007"
    assert parsed.year == 2024


def test_phcer_personal_block() -> None:
    parsed = parse_phcer("GDPH-P-2024-1001-1050")
    assert parsed.block == OriginBlock("GDPH-P-2024", 1001, 1050)
    assert parsed.block.units == 50
    assert parsed.project_id is None


def test_phcer_leading_zeros_are_numbers() -> None:
    parsed = parse_phcer(" GDPH-4401-PV-2023-0007-2024-000101-000116 ")
    assert (parsed.block.first, parsed.block.last) == (101, 116)


@pytest.mark.parametrize(
    "serial",
    [
        "GDPH-2024-1-5",  # no project part
        "XXPH-P-2024-1-5",
        "GDPH-P-24-1-5",
        "GDPH-P-2024-5-1",  # last below first
        "GDPH-P-2024-0-5",
        "GDPH-P-2024-1-x",
        "GDPH--2024-1-5",
        "GDPH-4401-PV--2024-1-5",
        "",
    ],
)
def test_malformed_phcer(serial: str) -> None:
    with pytest.raises(SerialError):
        parse_phcer(serial)


def test_non_ascii_digits_and_trailing_newlines_are_refused() -> None:
    assert not regions.is_valid_code("４４０１００")  # full-width digits
    assert not regions.is_valid_code("440100\n")
    with pytest.raises(SerialError):
        parse_phcer("GDPH-P-2024-1\n-5")
    with pytest.raises(SerialError):
        parse_phcer("GDPH-P-2024-١-5")  # Arabic-Indic digit
