"""Whole units out of credited tonnes: floor, carry, never lose a fraction."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hub.domain.issuance import AccountKey, Allocation, account_for, allocate, fold
from hub.domain.serial_blocks import PERSONAL_PROJECT, Series, project_token

PERSON = "2aa39031c1e1b0931992e90b9de2e45c3a207678c405b18cf88cf925b1a1ac1f"


def _tonnes(max_exponent: int) -> st.SearchStrategy[Decimal]:
    """Non-negative tonnes with at most six decimals, up to 10**max_exponent."""
    return st.builds(
        lambda micro, places: Decimal(micro).scaleb(-places),
        st.integers(0, 10 ** (max_exponent + 6)),
        st.integers(0, 6),
    ).filter(lambda d: d <= 10**max_exponent)


credited = st.one_of(_tonnes(6), _tonnes(30))
runs = st.lists(st.lists(credited, max_size=8), max_size=8)


def _exact_sum(values: list[Decimal]) -> Decimal:
    # The reference sum must not round, whatever the magnitudes.
    with localcontext() as ctx:
        ctx.prec = 200
        return sum(values, Decimal(0))


@given(runs)
@example([[Decimal("0.4"), Decimal("0.4")], [Decimal("0.2")], [Decimal("0.999999")]])
@example([[Decimal("99999999999999999999999.000001"), Decimal("0.7")]])
@example([[Decimal("1E+30"), Decimal("0.5")]])
def test_chained_runs_issue_every_whole_tonne_and_carry_the_rest(
    runs: list[list[Decimal]],
) -> None:
    carried = Decimal(0)
    issued = 0
    for run in runs:
        allocation = allocate(carried, run)
        assert allocation.units >= 0
        assert 0 <= allocation.carried_after < 1
        issued += allocation.units
        carried = allocation.carried_after
    everything = [amount for run in runs for amount in run]
    with localcontext() as ctx:
        ctx.prec = 200
        assert issued + carried == _exact_sum(everything)


def test_floor_never_rounds_up() -> None:
    assert allocate(Decimal(0), [Decimal("0.999999")]) == Allocation(0, Decimal("0.999999"))
    assert allocate(Decimal("0.5"), [Decimal("0.5")]) == Allocation(1, Decimal(0))
    assert allocate(Decimal("0.25"), [Decimal("2.5"), Decimal("0.3")]) == Allocation(
        3, Decimal("0.05")
    )
    assert allocate(Decimal("0.7"), []) == Allocation(0, Decimal("0.7"))


@pytest.mark.parametrize("carried", [Decimal(-1), Decimal("-0.000001")])
def test_negative_carried_balance_is_refused(carried: Decimal) -> None:
    with pytest.raises(ValueError, match="carried"):
        allocate(carried, [Decimal(1)])


def test_a_balance_of_whole_tonnes_is_issued_and_leaves_a_remainder_below_one() -> None:
    # A pool that took over its people's remainders (migration 0007) may
    # carry 2.3 t: its next allocation issues the 2 whole tonnes.
    assert allocate(Decimal("2.3"), []) == Allocation(2, Decimal("0.3"))
    assert allocate(Decimal("1.9"), [Decimal("0.1")]) == Allocation(2, Decimal(0))


def test_negative_credit_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate(Decimal(0), [Decimal(3), Decimal("-0.1")])


def test_folding_a_former_id_carry_is_exact_and_then_issued() -> None:
    # 0.6 t carried under SZ-RECYCLE folds into HUB-INTERIM-RECYCLE's account.
    assert fold(Decimal(0), [Decimal("0.600000")]) == Decimal("0.6")
    assert allocate(fold(Decimal(0), [Decimal("0.6")]), [Decimal("0.5")]) == Allocation(
        1, Decimal("0.1")
    )
    # Two remainders may make a whole tonne, which the next allocation issues.
    assert fold(Decimal("0.7"), [Decimal("0.4")]) == Decimal("1.1")
    # No rounding, however many digits (the default context keeps 28).
    big = Decimal("123456789012345678901234567.000001")
    assert fold(big, [Decimal("0.999999")]) == Decimal("123456789012345678901234568.000000")
    with pytest.raises(ValueError, match="negative"):
        fold(Decimal(0), [Decimal("-0.1")])


def test_account_precedence_is_project_then_person_then_site() -> None:
    everything = account_for(
        "CN-GD",
        "SZ-PV",
        2024,
        project_id="4401-PV-2023-0007",
        site_id="S1",
        person_pseudonym=PERSON,
    )
    assert everything.account == "project:4401-PV-2023-0007"
    person_and_site = account_for(
        "CN-GD", "SZ-BIKE", 2024, project_id=None, site_id="S1", person_pseudonym=PERSON
    )
    assert person_and_site.account == f"person:{PERSON}"
    site = account_for(
        "CN-HK", "SZ-RECYCLE", 2025, project_id="", site_id="S1", person_pseudonym=""
    )
    assert site.account == "site:S1"
    with pytest.raises(ValueError, match="no account"):
        account_for("CN-GD", "SZ-PV", 2024, project_id="", site_id=None, person_pseudonym=None)


def test_empty_adjustment_reference_is_none() -> None:
    key = account_for(
        "CN-HK",
        "SZ-RECYCLE",
        2025,
        project_id=None,
        site_id="S1",
        person_pseudonym=None,
        adjustment_ref="",
    )
    assert key.adjustment_ref is None
    with_ref = account_for(
        "CN-HK",
        "SZ-RECYCLE",
        2025,
        project_id=None,
        site_id="S1",
        person_pseudonym=None,
        adjustment_ref="HK-CA-2025-001",
    )
    assert with_ref.adjustment_ref == "HK-CA-2025-001" and with_ref != key


def test_series_of_each_kind_of_account() -> None:
    project = AccountKey("CN-GD", "SZ-PV", 2024, "project:4401-PV-2023-0007")
    assert project.series() == Series("CN-GD", "SZ-PV", 2024, "4401-PV-2023-0007")
    person = AccountKey("CN-GD", "SZ-BIKE", 2024, f"person:{PERSON}")
    assert person.series() == Series("CN-GD", "SZ-BIKE", 2024, PERSONAL_PROJECT)
    site = AccountKey("CN-HK", "SZ-RECYCLE", 2025, "site:旺角 回收站")
    assert site.series() == Series("CN-HK", "SZ-RECYCLE", 2025, project_token("旺角 回收站"))
    assert site.series().project.startswith("H")
    # A project called "P" keeps its own numbering, apart from persons.
    named_p = AccountKey("CN-GD", "SZ-BIKE", 2024, "project:P")
    assert named_p.series() != person.series()


def test_series_key_is_the_serial_prefix() -> None:
    key = AccountKey("CN-GD", "SZ-PV", 2024, "project:4401-PV-2023-0007")
    assert key.series().key == "SZCER-CN-GD-SZ-PV-2024-4401-PV-2023-0007"
