"""SZCER serial blocks: format and parse round trip, refusals, splitting."""

from __future__ import annotations

import hashlib
import string

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from hub.domain.serial_blocks import (
    PERSONAL_PROJECT,
    SerialFormatError,
    SerialRange,
    Series,
    parse_serial,
    project_token,
)

_UPPER = string.ascii_uppercase
_ALNUM = string.ascii_letters + string.digits

iso_origins = st.builds(
    lambda country, sub: f"{country}-{sub}",
    st.text(_UPPER, min_size=2, max_size=2),
    st.text(_UPPER + string.digits, min_size=1, max_size=3),
)
gbt_origins = st.text(string.digits, min_size=6, max_size=6)
origins = st.one_of(
    st.sampled_from(["CN-GD", "CN-HK", "CN-MO", "440100", "653100"]), iso_origins, gbt_origins
)

_methodology_segment = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_UPPER),
    st.text(_UPPER + string.digits, max_size=6),
)
methodologies = st.one_of(
    st.sampled_from(["SZ-PV", "SZ-TRANSIT-BUS", "SZ-FOREST-SINK", "SZ-RECYCLE"]),
    st.lists(_methodology_segment, min_size=1, max_size=4).map("-".join),
)
vintages = st.integers(1000, 9999)
# Segments like 4401, 2023 and 0007 look like vintages and unit numbers; the
# parser must still find the project between the vintage and the units.
_project_segment = st.one_of(
    st.text(string.digits, min_size=4, max_size=4),
    st.text(_ALNUM, min_size=1, max_size=8),
)
projects = st.one_of(
    st.sampled_from(["4401-PV-2023-0007", PERSONAL_PROJECT, "2023", "000001-000002"]),
    st.lists(_project_segment, min_size=1, max_size=5).map("-".join),
)
series_st = st.builds(Series, origins, methodologies, vintages, projects)
_MAX_UNIT = 10**15 - 1


@st.composite
def ranges(draw: st.DrawFn) -> SerialRange:
    first = draw(st.one_of(st.integers(1, 10**6), st.integers(1, _MAX_UNIT)))
    last = draw(
        st.integers(first, min(_MAX_UNIT, first + draw(st.sampled_from([0, 10, 10**7, _MAX_UNIT]))))
    )
    return SerialRange(draw(series_st), first, last)


@given(ranges())
@example(SerialRange(Series("CN-GD", "SZ-PV", 2024, "4401-PV-2023-0007"), 1, 150))
@example(SerialRange(Series("440100", "SZ-PV", 2024, "2023-0007"), 7, 7))
@example(SerialRange(Series("CN-GD", "SZ-PV", 2024, "1"), 1, _MAX_UNIT))
def test_format_parse_round_trip(block: SerialRange) -> None:
    serial = block.serial
    assert parse_serial(serial) == block
    assert parse_serial(f"  {serial}\n") == block
    assert parse_serial(serial).serial == serial


def test_serial_layout() -> None:
    block = SerialRange(Series("CN-GD", "SZ-PV", 2024, "4401-PV-2023-0007"), 1, 150)
    assert block.serial == "SZCER-CN-GD-SZ-PV-2024-4401-PV-2023-0007-000001-000150"
    assert block.units == 150
    parsed = parse_serial("SZCER-440100-SZ-TRANSIT-BUS-2023-P-1234567-1234568")
    assert parsed.series == Series("440100", "SZ-TRANSIT-BUS", 2023, "P")
    assert (parsed.first, parsed.last, parsed.units) == (1234567, 1234568, 2)


@given(st.lists(ranges(), min_size=2, max_size=2))
def test_serials_of_one_series_sort_in_unit_order(pair: list[SerialRange]) -> None:
    a, b = pair
    b = SerialRange(a.series, b.first, b.last)
    assume(len(str(a.last)) <= 6 and len(str(b.last)) <= 6)
    assert (a.serial < b.serial) == ((a.first, a.last) < (b.first, b.last))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SZCER",
        "SZCER-CN-GD-SZ-PV-2024-P-000001",  # one unit number
        "XXCER-CN-GD-SZ-PV-2024-P-000001-000002",  # wrong prefix
        "szcer-CN-GD-SZ-PV-2024-P-000001-000002",
        "SZCER-CN-SZ-2024-P-000001-000002",  # no methodology before the vintage
        "SZCER-CN-GD-SZ-PV-P-000001-000002",  # no vintage
        "SZCER-CN-GD-SZ-PV-2024-000001-000002",  # no project
        "SZCER-CN-GD-SZ-PV-2024-P-00000A-000002",  # unit not digits
        "SZCER-CN-GD-SZ-PV-2024-P-000000-000002",  # units start at 1
        "SZCER-CN-GD-SZ-PV-2024-P-000005-000002",  # last below first
        "SZCER-CN-GD-SZ-PV-0999-P-000001-000002",  # not a 4-digit year
        "SZCER-CN-GD-SZ-PV-2024-P--000001-000002",  # empty project segment
        "SZCER-CN-GD-SZ-PV-2024-P X-000001-000002",  # space in project
        "SZCER-CN-GD-SZ-PV-2024-P-1000000000000000-1000000000000000",  # 16 digits
        "SZCER-CNX-GD-SZ-PV-2024-P-000001-000002",  # origin not CN-XX
        "SZCER-44010-SZ-PV-2024-P-000001-000002",  # 5-digit GB/T code
        "SZCER-CN-GD-SZ-pv-2024-P-000001-000002",  # lower-case methodology
        "SZCER-CN-GD-SZ-PV-２０２４-P-000001-000002",  # full-width digits
    ],
)
def test_malformed_serials_are_refused(text: str) -> None:
    with pytest.raises(SerialFormatError):
        parse_serial(text)


@given(st.text(alphabet=_ALNUM + "-２ ", max_size=60))
def test_any_text_parses_or_is_refused_with_serial_format_error(text: str) -> None:
    try:
        block = parse_serial("SZCER-" + text)
    except SerialFormatError:
        return
    assert parse_serial(block.serial) == block


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Series("CN", "SZ-PV", 2024, "P"), "origin"),
        (lambda: Series("CN-GD", "2SZ", 2024, "P"), "methodology"),
        (lambda: Series("CN-GD", "SZ--PV", 2024, "P"), "methodology"),
        (lambda: Series("CN-GD", "SZ-PV", 999, "P"), "vintage"),
        (lambda: Series("CN-GD", "SZ-PV", 2024, "a b"), "project"),
        (lambda: Series("CN-GD", "SZ-PV", 2024, ""), "project"),
        (lambda: SerialRange(Series("CN-GD", "SZ-PV", 2024, "P"), 0, 5), "start at 1"),
        (lambda: SerialRange(Series("CN-GD", "SZ-PV", 2024, "P"), 5, 4), "below"),
        (lambda: SerialRange(Series("CN-GD", "SZ-PV", 2024, "P"), 1, 10**15), "digits"),
    ],
)
def test_malformed_parts_are_refused(build: object, message: str) -> None:
    assert callable(build)
    with pytest.raises(SerialFormatError, match=message):
        build()


@given(ranges(), st.data())
def test_split_partitions_the_range(block: SerialRange, data: st.DataObject) -> None:
    assume(block.units >= 2)
    units = data.draw(st.integers(1, block.units - 1))
    head, tail = block.split(units)
    assert (head.units, tail.units) == (units, block.units - units)
    assert (head.first, head.last + 1, tail.last) == (block.first, tail.first, block.last)
    assert head.series == tail.series == block.series
    assert block.contains(head) and block.contains(tail)
    assert not head.overlaps(tail) and head.overlaps(block) and tail.overlaps(block)
    assert parse_serial(head.serial) == head and parse_serial(tail.serial) == tail


@given(ranges())
def test_split_refuses_an_empty_part(block: SerialRange) -> None:
    for units in (0, block.units, block.units + 1, -1):
        with pytest.raises(ValueError):
            block.split(units)


def test_overlap_and_containment_need_the_same_series() -> None:
    a = SerialRange(Series("CN-GD", "SZ-PV", 2024, "X1"), 1, 10)
    other = SerialRange(Series("CN-GD", "SZ-PV", 2024, "X2"), 1, 10)
    assert not a.overlaps(other) and not a.contains(other)
    assert a.overlaps(SerialRange(a.series, 10, 20))
    assert not a.overlaps(SerialRange(a.series, 11, 20))


@pytest.mark.parametrize("account_id", ["4401-PV-2023-0007", "SITE42", "a1-b2", "2023"])
def test_safe_ids_are_their_own_token(account_id: str) -> None:
    assert project_token(account_id) == account_id


@pytest.mark.parametrize(
    "account_id",
    [
        "广州 光伏 1号",
        "a b",
        "a.b",
        "-a",
        "a-",
        "a--b",
        "",
        "ＡＢ",
        PERSONAL_PROJECT,  # a project or site called "P" must not share the personal series
    ],
)
def test_unsafe_ids_are_hashed(account_id: str) -> None:
    token = project_token(account_id)
    digest = hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:16]
    assert token == "H" + digest
    assert token != PERSONAL_PROJECT
    # The hashed token still makes a parseable serial.
    block = SerialRange(Series("CN-GD", "SZ-PV", 2024, token), 1, 2)
    assert parse_serial(block.serial).series.project == token


@given(st.text(max_size=30))
def test_every_account_id_gives_a_series_that_parses(account_id: str) -> None:
    token = project_token(account_id)
    block = SerialRange(Series("CN-HK", "SZ-RECYCLE", 2025, token), 3, 9)
    assert parse_serial(block.serial) == block
    assert token != PERSONAL_PROJECT
    assert project_token(account_id) == token  # deterministic
