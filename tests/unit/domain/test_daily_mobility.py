"""A person's passenger-km per day across modes and partners (hub.domain.mobility)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from carbonhub_contract.vocabulary.checks import Severity
from hub.domain.mobility import DailyMobility, Travel, day_span, days_of, person_days

SZ = ZoneInfo("Asia/Shanghai")
P = "a" * 64
LIMIT = Decimal(300)


def day(d: int, km: str, person: str = P) -> Travel:
    start = datetime(2024, 10, d, tzinfo=SZ)
    return Travel(person, start, start + timedelta(days=1), Decimal(km))


def test_a_daily_aggregate_counts_wholly_on_its_day() -> None:
    assert days_of(day(2, "120")) == {date(2024, 10, 2): Decimal(120)}


def test_a_claim_over_two_days_is_spread_by_its_time_in_each() -> None:
    start = datetime(2024, 10, 2, 18, 0, tzinfo=SZ)
    night = Travel(P, start, start + timedelta(hours=12), Decimal(60))
    assert days_of(night) == {date(2024, 10, 2): Decimal(30), date(2024, 10, 3): Decimal(30)}


def test_the_shenzhen_days_of_a_period_are_the_same_in_utc_and_local_time() -> None:
    # 16:00 UTC is Shenzhen's midnight: the UTC instants (cached) and the same
    # instants in Shenzhen time (not cached) give the same days.
    start = datetime(2024, 10, 1, 16, 0, tzinfo=UTC)
    for end in (start + timedelta(days=1), start + timedelta(days=1, seconds=1)):
        local = day_span(start.astimezone(SZ), end.astimezone(SZ))
        assert day_span(start, end) == local
    assert day_span(start, start + timedelta(days=1)) == (date(2024, 10, 2), date(2024, 10, 2))
    assert day_span(start, start + timedelta(days=1, seconds=1)) == (
        date(2024, 10, 2),
        date(2024, 10, 3),
    )


def test_a_period_without_time_counts_on_no_day() -> None:
    start = datetime(2024, 10, 2, tzinfo=SZ)
    assert days_of(Travel(P, start, start, Decimal(5))) == {}
    assert person_days([Travel(P, start, start, Decimal(5))]) == set()


def test_a_day_over_the_plausible_total_across_modes_is_held() -> None:
    daily = DailyMobility([day(2, "200"), day(2, "80")])  # bus and metro, two partners
    check = daily.check(day(2, "40"), LIMIT)
    assert check is not None
    assert check.code == "PERSON_DAILY_MOBILITY_IMPLAUSIBLE"
    assert check.severity is Severity.REVIEW
    assert check.details["day"] == "2024-10-02"
    assert check.details["total"] == "320.0"
    assert check.details["counted"] == "280.0"
    assert check.details["limit"] == "300.0"


def test_up_to_the_total_is_plausible() -> None:
    daily = DailyMobility([day(2, "200")])
    assert daily.check(day(2, "100"), LIMIT) is None


def test_other_days_and_other_people_do_not_count() -> None:
    daily = DailyMobility([day(1, "290"), day(3, "290"), day(2, "290", person="b" * 64)])
    assert daily.check(day(2, "290"), LIMIT) is None


def test_a_counted_claim_counts_for_the_next() -> None:
    daily = DailyMobility()
    first = day(2, "200")
    assert daily.check(first, LIMIT) is None
    daily.count(first)
    assert daily.check(day(2, "150"), LIMIT) is not None


def test_the_days_looked_up_are_each_persons_days() -> None:
    start = datetime(2024, 10, 2, 8, 5, tzinfo=SZ)
    trip = Travel(P, start, start + timedelta(minutes=35), Decimal(9))
    late = datetime(2024, 10, 3, 23, 0, tzinfo=SZ)
    night = Travel("b" * 64, late, late + timedelta(hours=2), Decimal(9))
    assert person_days([trip, day(2, "5"), night]) == {
        (P, date(2024, 10, 2)),
        ("b" * 64, date(2024, 10, 3)),
        ("b" * 64, date(2024, 10, 4)),
    }
    assert person_days([]) == set()


def test_a_trip_carries_its_days_in_order() -> None:
    start = datetime(2024, 10, 2, 18, 0, tzinfo=SZ)
    night = Travel(P, start, start + timedelta(hours=36), Decimal(90))
    assert night.days == (
        (date(2024, 10, 2), Decimal(15)),
        (date(2024, 10, 3), Decimal(60)),
        (date(2024, 10, 4), Decimal(15)),
    )
    assert days_of(night) == dict(night.days)
    assert night == Travel(P, start, start + timedelta(hours=36), Decimal(90))
    assert hash(night) == hash(Travel(P, start, start + timedelta(hours=36), Decimal(90)))
    assert day(2, "120").days == ((date(2024, 10, 2), Decimal(120)),)


def test_a_day_is_held_at_its_first_day_above_the_total() -> None:
    start = datetime(2024, 10, 2, 18, 0, tzinfo=SZ)
    daily = DailyMobility([day(3, "250"), day(4, "290")])
    check = daily.check(Travel(P, start, start + timedelta(hours=36), Decimal(90)), LIMIT)
    assert check is not None
    assert check.details["day"] == "2024-10-03"  # 250 + 60; the 4th would be 305 too
    assert check.details["total"] == "310.0"
