"""Carbon points: the exchange rule, daily caps, reversal, redemption, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.points import (
    Credit,
    EntryKind,
    PointsEntry,
    PointsRule,
    PointsRules,
    RedemptionVerdict,
    add_months,
    awards_for,
    balance_of,
    days_covered,
    due_expiries,
    earliest_open_expiry,
    redeem,
    remaining_by_award,
    reversal_of,
)

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
DAY = date(2026, 3, 31)
RULE = PointsRule("CN-GD", "SZ-TRANSIT-METRO", Decimal(1000), daily_cap=20, validity_months=12)
RULES = PointsRules({("CN-GD", "SZ-TRANSIT-METRO"): RULE})


def _credit(claim: str, tco2e: str, person: str = "p1", day: date = DAY) -> Credit:
    return Credit(claim, "CN-GD", person, None, "SZ-TRANSIT-METRO", Decimal(tco2e), day)


def test_points_are_the_rate_times_the_credited_tonnes_rounded_down() -> None:
    assert RULE.points_for(Decimal("0.0059999")) == 5
    assert RULE.points_for(Decimal("0.0009")) == 0
    assert RULE.points_for(Decimal(0)) == 0


def test_a_rule_refuses_validity_beyond_ten_years() -> None:
    with pytest.raises(ValueError, match="10 years"):
        PointsRule("CN-GD", "SZ-BIKE", Decimal(1), daily_cap=1, validity_months=121)


def test_the_daily_cap_counts_earlier_awards_and_the_batch() -> None:
    credits = [_credit("c1", "0.008"), _credit("c2", "0.008"), _credit("c3", "0.008")]
    awards = awards_for(credits, RULES, {("CN-GD", "p1", "SZ-TRANSIT-METRO", DAY): 6}, NOW)
    # 6 before, then 8, then only 6 of 8: the third claim earns nothing.
    assert [(a.claim_id, a.points, a.uncapped) for a in awards] == [("c1", 8, 8), ("c2", 6, 8)]


def test_caps_are_per_person_and_per_day() -> None:
    credits = [
        _credit("c1", "0.02"),
        _credit("c2", "0.02", person="p2"),
        _credit("c3", "0.02", day=date(2026, 4, 1)),
        _credit("c4", "0.02"),
    ]
    assert [a.claim_id for a in awards_for(credits, RULES, {}, NOW)] == ["c1", "c2", "c3"]


def test_no_rule_no_points_and_awards_expire_after_their_validity() -> None:
    other = Credit("c9", "CN-HK", "p1", None, "SZ-TRANSIT-METRO", Decimal(1), DAY)
    awards = awards_for([other, _credit("c1", "0.001")], RULES, {}, NOW)
    assert len(awards) == 1
    assert awards[0].expires_at == datetime(2027, 3, 31, 12, tzinfo=UTC)


def test_add_months_keeps_the_last_day_of_a_shorter_month() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 120) == datetime(2034, 2, 28, tzinfo=UTC)


def _award(claim: str, points: int, expires: datetime | None = None) -> PointsEntry:
    return PointsEntry(EntryKind.AWARD, points, NOW, claim_id=claim, expires_at=expires)


def _redemption(rid: str, points: int) -> PointsEntry:
    return PointsEntry(EntryKind.REDEMPTION, points, NOW, redemption_id=rid)


def test_redemptions_consume_the_oldest_awards_first() -> None:
    entries = [_award("a", 5), _award("b", 7), _redemption("r1", 8)]
    assert remaining_by_award(entries) == {"a": 0, "b": 4}
    assert balance_of(entries) == 4


def test_a_reversal_takes_back_what_is_left_of_exactly_its_award() -> None:
    entries = [_award("a", 5), _award("b", 7), _redemption("r1", 3)]
    assert reversal_of(entries, "b") == 7
    assert reversal_of(entries, "a") == 2  # 3 of its 5 were redeemed already
    reversed_ = [*entries, PointsEntry(EntryKind.REVERSAL, 7, NOW, claim_id="b")]
    assert reversal_of(reversed_, "b") is None  # once
    assert reversal_of(entries, "zzz") is None  # never awarded
    assert balance_of(reversed_) == 2


def test_expiry_takes_only_the_unredeemed_part_once() -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [_award("a", 5, expires=old), _award("b", 7, expires=NOW), _redemption("r", 6)]
    assert due_expiries(entries, old) == [("a", 0)]
    assert due_expiries(entries, NOW) == [("a", 0), ("b", 6)]
    closed = [
        *entries,
        PointsEntry(EntryKind.EXPIRY, 0, NOW, claim_id="a"),
        PointsEntry(EntryKind.EXPIRY, 6, NOW, claim_id="b"),
    ]
    assert due_expiries(closed, NOW) == []
    assert balance_of(closed) == 0


def test_the_sweeps_bound_is_the_earliest_award_left_open() -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    later = NOW + timedelta(days=30)
    entries = [
        _award("a", 5, expires=old),
        _award("b", 7, expires=later),
        _award("c", 2, expires=NOW),
        _redemption("r", 6),  # a redemption closes no award
    ]
    assert earliest_open_expiry(entries) == old
    # Being expired now (the sweep's due awards), reversed or expired before.
    assert earliest_open_expiry(entries, ["a"]) == NOW
    reversed_ = [*entries, PointsEntry(EntryKind.REVERSAL, 2, NOW, claim_id="c")]
    assert earliest_open_expiry(reversed_, ["a"]) == later
    expired = [*reversed_, PointsEntry(EntryKind.EXPIRY, 7, NOW, claim_id="b")]
    assert earliest_open_expiry(expired, ["a"]) is None
    assert earliest_open_expiry([]) is None


def test_redemption_is_idempotent_by_id_and_never_below_zero() -> None:
    assert redeem(10, 4, "p1", None).verdict is RedemptionVerdict.REDEEMED
    assert redeem(10, 4, "p1", None).balance == 6
    assert redeem(6, 4, "p1", ("p1", 4)).verdict is RedemptionVerdict.ALREADY_REDEEMED
    assert redeem(6, 4, "p1", ("p1", 4)).balance == 6
    assert redeem(6, 5, "p1", ("p1", 4)).verdict is RedemptionVerdict.CONFLICT
    assert redeem(6, 4, "p2", ("p1", 4)).verdict is RedemptionVerdict.CONFLICT
    assert redeem(3, 4, "p1", None).verdict is RedemptionVerdict.INSUFFICIENT
    assert redeem(3, 0, "p1", None).verdict is RedemptionVerdict.INVALID


def test_a_claim_covering_days_may_earn_the_cap_of_each() -> None:
    month = _credit("m", "0.05")._replace(days=31)
    (award,) = awards_for([month], RULES, {}, NOW)
    assert (award.points, award.uncapped) == (50, 50)
    short = _credit("w", "0.05")._replace(days=2)
    (capped,) = awards_for([short], RULES, {}, NOW)
    assert capped.points == 40
    start = datetime(2026, 3, 1, 16, tzinfo=UTC)  # midnight in Shenzhen
    assert days_covered(start, start + timedelta(days=31), ZoneInfo("Asia/Shanghai")) == 31
    assert days_covered(start, start + timedelta(minutes=30), ZoneInfo("Asia/Shanghai")) == 1


def _floor_points(rule: PointsRule, credited_tco2e: Decimal) -> int:
    """The exchange as first written: rate x tonnes, to_integral_value(ROUND_FLOOR)."""
    if credited_tco2e <= 0:
        return 0
    return int((credited_tco2e * rule.points_per_tco2e).to_integral_value(ROUND_FLOOR))


_TONNES = st.one_of(
    # What normalisation credits: micro-tonnes (TCO2E_PLACES).
    st.integers(min_value=-10, max_value=10**12).map(lambda n: Decimal(n).scaleb(-6)),
    # And any finite decimal, however many digits (the product may then be
    # rounded to the context's 28 digits: both forms round down the same product).
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-1, max_value=10**9),
)
_RATES = st.one_of(
    st.sampled_from([Decimal(100000), Decimal("1E+5"), Decimal(1000), Decimal("0.5")]),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("1E-9"), max_value=10**7),
)


@settings(max_examples=3000)
@given(tonnes=_TONNES, rate=_RATES)
def test_points_for_rounds_down_exactly_as_the_floor_of_the_product(
    tonnes: Decimal, rate: Decimal
) -> None:
    rule = PointsRule("CN-GD", "SZ-BIKE", rate, daily_cap=1, validity_months=1)
    assert rule.points_for(tonnes) == _floor_points(rule, tonnes)


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["p1", "p2"]),
            st.sampled_from(["SZ-TRANSIT-METRO", "SZ-BIKE"]),
            st.integers(min_value=0, max_value=3),  # day offset
            st.integers(min_value=0, max_value=40_000).map(lambda n: Decimal(n).scaleb(-6)),
            st.integers(min_value=0, max_value=3),  # days covered (0: counts as one)
        ),
        max_size=30,
    ),
    st.dictionaries(
        st.tuples(st.sampled_from(["p1", "p2"]), st.integers(min_value=0, max_value=3)),
        st.integers(min_value=0, max_value=30),
        max_size=4,
    ),
)
def test_awards_cap_as_min_of_the_points_and_the_days_caps_left(
    rows: list[tuple[str, str, int, Decimal, int]], before: dict[tuple[str, int], int]
) -> None:
    rules = PointsRules({("CN-GD", "SZ-TRANSIT-METRO"): RULE})  # SZ-BIKE: no rule
    credits = [
        Credit(f"c{i}", "CN-GD", person, "app", methodology, tco2e, DAY + timedelta(n), days)
        for i, (person, methodology, n, tco2e, days) in enumerate(rows)
    ]
    awarded = {
        ("CN-GD", person, "SZ-TRANSIT-METRO", DAY + timedelta(n)): v
        for (person, n), v in before.items()
    }
    # The rule as first written, credit by credit.
    expected, used = [], dict(awarded)
    for c in credits:
        if c.methodology != "SZ-TRANSIT-METRO":
            continue
        uncapped = _floor_points(RULE, c.credited_tco2e)
        key = (c.partner, c.person, c.methodology, c.day)
        points = max(0, min(uncapped, RULE.daily_cap * max(1, c.days) - used.get(key, 0)))
        if points:
            used[key] = used.get(key, 0) + points
            expected.append((c.claim_id, "app", points, uncapped, c.day))
    awards = awards_for(credits, rules, awarded, NOW)
    assert [(a.claim_id, a.platform, a.points, a.uncapped, a.day) for a in awards] == expected
    assert {a.expires_at for a in awards} <= {add_months(NOW, RULE.validity_months)}


def test_validity_months_are_counted_in_utc_whatever_the_clocks_zone() -> None:
    # 02:00 on 31 March in Shenzhen is still 30 March in UTC, where the audit
    # event's instant is kept: a month later is 30 April there, not the 30th
    # of April in Shenzhen (29 April in UTC).
    now = datetime(2026, 3, 31, 2, tzinfo=ZoneInfo("Asia/Shanghai"))
    rules = PointsRules({("CN-GD", "SZ-TRANSIT-METRO"): replace(RULE, validity_months=1)})
    (award,) = awards_for([_credit("c1", "0.001")], rules, {}, now)
    assert award.expires_at == datetime(2026, 4, 30, 18, tzinfo=UTC)
    assert award.expires_at == add_months(now.astimezone(UTC), 1)
