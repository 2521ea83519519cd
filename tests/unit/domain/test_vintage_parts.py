from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hub.domain.periods import parse_period
from hub.domain.vintage_parts import VintagePart, part_years, vintage_parts

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _parts(
    start: str, end: str, credited: str, zone: str = "Asia/Shanghai"
) -> tuple[VintagePart, ...]:
    period = parse_period(start, end, zone)
    return vintage_parts(period.start, period.end, period.zone, Decimal(credited))


def test_a_period_spanning_new_year_is_split_by_its_days_in_each_year() -> None:
    parts = _parts("2024-12-16", "2025-01-15", "31")
    assert [p.vintage for p in parts] == [2024, 2025]
    assert [p.days for p in parts] == [Decimal(16), Decimal(15)]
    assert [p.credited_tco2e for p in parts] == [Decimal(16), Decimal(15)]
    # The split falls on local midnight 2025-01-01 (16:00 UTC the day before).
    assert parts[0].end == parts[1].start == datetime(2024, 12, 31, 16, tzinfo=UTC)


def test_parts_sum_exactly_every_part_but_the_last_floored_to_the_micro_tonne() -> None:
    parts = _parts("2024-12-16", "2025-01-15", "10")
    # 10 * 16/31 = 5.161290322...: floored to 5.161290, the last takes the rest.
    assert parts[0].credited_tco2e == Decimal("5.161290")
    assert parts[1].credited_tco2e == Decimal("4.838710")
    assert sum((p.credited_tco2e for p in parts), Decimal(0)) == Decimal(10)


def test_leap_years_count_29_february() -> None:
    # 2023-12-31 .. 2024-12-31 inclusive: 1 day in 2023, 366 in 2024 (leap).
    parts = _parts("2023-12-31", "2024-12-31", "367")
    assert [(p.vintage, p.days, p.credited_tco2e) for p in parts] == [
        (2023, Decimal(1), Decimal(1)),
        (2024, Decimal(366), Decimal(366)),
    ]
    # Across two New Years: 2024-12-31 .. 2026-01-01 is 1 + 365 + 1 days.
    three = _parts("2024-12-31", "2026-01-01", "1")
    assert [p.vintage for p in three] == [2024, 2025, 2026]
    assert [p.days for p in three] == [Decimal(1), Decimal(365), Decimal(1)]
    assert [p.credited_tco2e for p in three] == [
        Decimal("0.002724"),  # 1 / 367 = 0.0027247...
        Decimal("0.994550"),  # 365 / 367 = 0.9945504...
        Decimal("0.002726"),  # the remainder
    ]
    assert sum((p.credited_tco2e for p in three), Decimal(0)) == Decimal(1)


def test_a_period_inside_one_year_is_one_part_equal_to_the_whole() -> None:
    parts = _parts("2024-12-01", "2024-12-31", "12.345678")
    assert len(parts) == 1
    assert parts[0].vintage == 2024
    assert parts[0].credited_tco2e == Decimal("12.345678")


def test_new_year_is_the_partners_local_one() -> None:
    # 2024-12-31T20:00Z is 2025-01-01 04:00 in Shanghai: one part, 2025.
    start = datetime(2024, 12, 31, 20, tzinfo=UTC)
    end = datetime(2025, 1, 2, 20, tzinfo=UTC)
    assert part_years(start, end, SHANGHAI) == (2025,)
    assert part_years(start, end, ZoneInfo("UTC")) == (2024, 2025)


def test_partial_days_are_shared_by_their_time() -> None:
    parts = _parts("2024-12-31T18:00", "2025-01-01T06:00", "1")
    assert [p.days for p in parts] == [Decimal("0.25"), Decimal("0.25")]
    assert [p.credited_tco2e for p in parts] == [Decimal("0.5"), Decimal("0.5")]


def test_zero_credit_gives_zero_parts_and_bad_input_is_refused() -> None:
    assert [p.credited_tco2e for p in _parts("2024-12-16", "2025-01-15", "0")] == [0, 0]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="negative"):
        vintage_parts(start, datetime(2024, 2, 1, tzinfo=UTC), SHANGHAI, Decimal(-1))
    with pytest.raises(ValueError, match="before or when"):
        vintage_parts(start, start, SHANGHAI, Decimal(1))
    with pytest.raises(ValueError, match="aware"):
        part_years(datetime(2024, 1, 1), datetime(2024, 2, 1), SHANGHAI)
