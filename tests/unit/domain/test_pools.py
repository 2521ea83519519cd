"""The carry invariant over platform pools: whatever the people, runs and
order, each pool issues floor(its credited tonnes) and carries the rest;
one remainder per pool, never per person, never rounded up, never lost."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.issuance import AccountKey, account_for, allocate, pool_account
from hub.domain.serial_blocks import PERSONAL_PROJECT

PEOPLE = [f"{i:064x}" for i in range(1, 9)]
PLATFORMS = ["DSPA", "MACAUPASS"]

# A personal claim: who, on which platform, which vintage, what it credits
# (a commuter's month: under a tonne, six decimals at most).
claims = st.tuples(
    st.sampled_from(PEOPLE),
    st.sampled_from(PLATFORMS),
    st.sampled_from([2024, 2025]),
    st.sampled_from([None, "MOAA-1", "MOAA-2"]),
    st.integers(0, 999_999).map(lambda micro: Decimal(micro).scaleb(-6)),
)
runs = st.lists(st.lists(claims, max_size=20), max_size=8)


def _pool_of(person: str, platform: str, vintage: int, ref: str | None) -> AccountKey:
    personal = account_for(
        "CN-MO",
        "SZ-TRANSIT-METRO",
        vintage,
        project_id=None,
        site_id=None,
        person_pseudonym=person,
        adjustment_ref=ref,
    )
    return personal.pooled(platform)


@given(runs)
def test_each_pool_issues_the_floor_of_its_tonnes_and_carries_the_rest(
    runs: list[list[tuple[str, str, int, str | None, Decimal]]],
) -> None:
    carried: dict[AccountKey, Decimal] = {}
    issued: dict[AccountKey, int] = defaultdict(int)
    credited: dict[AccountKey, Decimal] = defaultdict(Decimal)
    for run in runs:
        groups: dict[AccountKey, list[Decimal]] = defaultdict(list)
        for person, platform, vintage, ref, amount in run:
            key = _pool_of(person, platform, vintage, ref)
            groups[key].append(amount)
            credited[key] += amount
        for key, amounts in groups.items():
            allocation = allocate(carried.get(key, Decimal(0)), amounts)
            issued[key] += allocation.units
            carried[key] = allocation.carried_after
    for key, total in credited.items():
        assert key.account.startswith("pool:") and key.platform in PLATFORMS
        assert issued[key] == int(total)  # floor: nothing lost to batching
        assert issued[key] + carried[key] == total
        assert 0 <= carried[key] < 1
    # One remainder per pool: the people are not in any key.
    assert not any(person in str(key) for key in carried for person in PEOPLE)


def test_people_of_one_platform_share_its_pool_and_platforms_do_not_mix() -> None:
    a = _pool_of(PEOPLE[0], "DSPA", 2024, "MOAA-1")
    b = _pool_of(PEOPLE[1], "DSPA", 2024, "MOAA-1")
    assert a == b == AccountKey("CN-MO", "SZ-TRANSIT-METRO", 2024, "pool:DSPA", "MOAA-1")
    assert _pool_of(PEOPLE[0], "MACAUPASS", 2024, "MOAA-1") != a
    # Different attestations never mix: a block has one.
    assert _pool_of(PEOPLE[0], "DSPA", 2024, "MOAA-2") != a
    assert _pool_of(PEOPLE[0], "DSPA", 2025, "MOAA-1") != a


def test_a_pools_units_take_the_personal_series() -> None:
    key = AccountKey("CN-GD", "SZ-BIKE", 2024, pool_account("GD-PHCER"))
    assert key.series().project == PERSONAL_PROJECT
    assert key.platform == "GD-PHCER" and not key.personal


def test_only_a_personal_account_is_pooled() -> None:
    site = AccountKey("CN-HK", "SZ-RECYCLE", 2024, "site:S1")
    with pytest.raises(ValueError, match="only a personal account"):
        site.pooled("EPD")
    person = AccountKey("CN-HK", "SZ-RECYCLE", 2024, f"person:{PEOPLE[0]}")
    with pytest.raises(ValueError, match="needs a platform"):
        person.pooled("")
