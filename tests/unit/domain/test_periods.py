from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.domain.periods import PeriodError, parse_period


def test_date_only_period_in_hong_kong_is_inclusive_and_utc() -> None:
    period = parse_period("2024-10-02", "2024-10-02", "Asia/Hong_Kong")
    assert period.start == datetime(2024, 10, 1, 16, 0, tzinfo=UTC)
    assert period.end == datetime(2024, 10, 2, 16, 0, tzinfo=UTC)
    assert period.days == Decimal(1)
    assert period.whole_days == 1
    assert period.vintage == 2024


def test_vintage_is_the_local_year_of_the_last_instant() -> None:
    # Ends at local midnight 2025-01-01, i.e. 2024-12-31T16:00Z: still 2024.
    period = parse_period("2024-12-01", "2024-12-31", "Asia/Shanghai")
    assert period.end == datetime(2024, 12, 31, 16, 0, tzinfo=UTC)
    assert period.vintage == 2024
    # Ending exactly at local midnight 2025-01-01 with a time: still 2024.
    period = parse_period("2024-12-01T00:00", "2025-01-01T00:00", "Asia/Shanghai")
    assert period.vintage == 2024
    # In UTC terms this period ends in 2025, but locally its last instant is 2025-01-01.
    period = parse_period("2024-12-31 20:00:00", "2025-01-01 06:00:00", "Asia/Shanghai")
    assert period.vintage == 2025


def test_the_years_a_period_touches_end_with_its_vintage() -> None:
    # Each year is credited in its own part (hub.domain.vintage_parts).
    assert parse_period("2023-12-16", "2025-01-15", "Asia/Shanghai").years == (2023, 2024, 2025)
    # Ending on 31 December (inclusive) does not touch the next year.
    assert parse_period("2024-01-01", "2024-12-31", "Asia/Shanghai").years == (2024,)
    # Locally it starts on 1 January 2025, although in UTC on 31 December.
    assert parse_period("2025-01-01 04:00", "2025-01-03", "Asia/Shanghai").years == (2025,)


def test_date_time_end_is_exclusive_and_a_space_separator_is_read() -> None:
    period = parse_period("2024-08-01 00:00:00", "2024-08-31 23:59:59", "Asia/Shanghai")
    assert period.end == datetime(2024, 8, 31, 15, 59, 59, tzinfo=UTC)
    assert period.whole_days == 31


@pytest.mark.parametrize(
    ("start", "end", "zone", "field"),
    [
        ("2024-10-05", "2024-10-04", "Asia/Shanghai", "period_end"),
        ("2024-10-05T10:00", "2024-10-05T10:00", "Asia/Shanghai", "period_end"),
        ("2024-02-30", "2024-03-01", "Asia/Shanghai", "period_start"),
        ("01/13/2024", "2024-03-01", "Asia/Shanghai", "period_start"),
        ("2024-01-13", "", "Asia/Shanghai", "period_end"),
        ("2024-01-13", "2024-01-14", "Asia/Kowloon", "time_zone"),
        ("2024-01-13", "2024-01-14", "", "time_zone"),
    ],
)
def test_malformed_periods_name_the_field(start: str, end: str, zone: str, field: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(start, end, zone)
    assert info.value.field == field
