"""Which part of an origin block the origin cancels for a claim."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.domain.attestations import check_cancelled_range, units_to_cancel
from hub.domain.locks import OriginBlock

BLOCK = OriginBlock("GDPH-4401-PV-2023-0007-2024", 1, 3216)


@pytest.mark.parametrize(
    ("credited", "units"),
    [("1200", 1200), ("1200.000001", 1201), ("0.4", 1), ("0", 0), ("3216", 3216)],
)
def test_every_credited_tonne_and_any_fraction_is_cancelled_at_origin(
    credited: str, units: int
) -> None:
    assert units_to_cancel(Decimal(credited)) == units


def test_the_sample_cancels_1200_of_its_3216_origin_units_and_keeps_the_rest() -> None:
    part, checks = check_cancelled_range(BLOCK, 1, 1200, Decimal("1200"))
    assert checks == []
    assert part == OriginBlock(BLOCK.series, 1, 1200)
    assert BLOCK.units - part.units == 2016


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (1, 3216, "SOURCE_CANCELLATION_RANGE_EXCEEDS_CREDITED"),
        (1, 1199, "SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED"),
        (2100, 3299, "SOURCE_CANCELLATION_RANGE_OUTSIDE_BLOCK"),
        (0, 1199, "SOURCE_CANCELLATION_RANGE_MALFORMED"),
        (1200, 1, "SOURCE_CANCELLATION_RANGE_MALFORMED"),
        (1, 10**12, "SOURCE_CANCELLATION_RANGE_MALFORMED"),
    ],
)
def test_any_other_range_is_refused_with_its_code(first: int, last: int, code: str) -> None:
    part, checks = check_cancelled_range(BLOCK, first, last, Decimal("1200"))
    assert part is None
    assert [c.code for c in checks] == [code]


def test_when_shenzhen_credits_more_than_the_block_the_whole_block_is_cancelled() -> None:
    small = OriginBlock(BLOCK.series, 101, 116)
    assert check_cancelled_range(small, 101, 116, Decimal("16.319442")) == (small, [])
    _, checks = check_cancelled_range(small, 101, 115, Decimal("16.319442"))
    assert [c.code for c in checks] == ["SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED"]
