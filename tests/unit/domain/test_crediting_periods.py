"""crediting_checks: a project's crediting period against its methodology's maximum and renewals."""

from __future__ import annotations

from datetime import date

import pytest

from hub.domain.crediting_periods import (
    RENEWAL_NOT_ALLOWED,
    TOO_LONG,
    crediting_checks,
    last_day,
    periods_used,
)
from hub.domain.methodologies import CreditingOption, Methodology
from hub.standard import Standard
from tests.unit.domain.domain_builders import gd_project

START = date(2023, 3, 1)


@pytest.fixture
def pv(standard: Standard) -> Methodology:
    methodology = standard.methodology("SZ-PV")
    assert methodology is not None
    return methodology


@pytest.fixture
def forest(standard: Standard) -> Methodology:
    methodology = standard.methodology("SZ-FOREST-SINK")
    assert methodology is not None
    return methodology


def codes(methodology: Methodology, end: date, previous_end: date | None = None) -> list[str]:
    before = None if previous_end is None else gd_project(crediting_end=previous_end)
    return [c.code for c in crediting_checks(methodology, START, end, before)]


def test_the_standard_states_the_cdm_options_with_their_source(
    pv: Methodology, forest: Methodology
) -> None:
    assert pv.crediting is not None and forest.crediting is not None
    assert pv.crediting.options == (
        CreditingOption(years=7, renewals=2),
        CreditingOption(years=10, renewals=0),
    )
    assert forest.crediting.options == (
        CreditingOption(years=20, renewals=2),
        CreditingOption(years=30, renewals=0),
    )
    assert pv.crediting.provisional and "3/CMP.1" in pv.crediting.source
    assert forest.crediting.provisional and "6/CMP.1" in forest.crediting.source


def test_only_project_methodologies_have_a_crediting_rule(standard: Standard) -> None:
    for methodology_id in ("SZ-TRANSIT-BUS", "SZ-RES-ELEC", "SZ-RECYCLE"):
        methodology = standard.methodology(methodology_id)
        assert methodology is not None and methodology.crediting is None
        assert crediting_checks(methodology, START, date(2099, 1, 1), None) == ()


def test_periods_are_counted_from_the_start() -> None:
    seven = CreditingOption(years=7, renewals=2)
    assert last_day(START, 7) == date(2030, 2, 28)
    assert periods_used(START, date(2030, 2, 28), seven) == 1
    assert periods_used(START, date(2030, 3, 1), seven) == 2
    assert periods_used(START, date(2044, 2, 28), seven) == 3
    assert periods_used(START, START, seven) == 1
    # 29 February: the anniversary falls on 1 March, the period ends on 28 February.
    assert last_day(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_a_first_registration_of_one_period_passes(pv: Methodology, forest: Methodology) -> None:
    assert codes(pv, date(2033, 2, 28)) == []  # the samples' ten years
    assert codes(pv, date(2030, 2, 28)) == []
    assert codes(forest, date(2053, 2, 28)) == []  # thirty years fixed


def test_a_first_registration_longer_than_any_period_is_refused(pv: Methodology) -> None:
    (check,) = crediting_checks(pv, START, date(2033, 3, 1), None)
    assert check.code == TOO_LONG
    assert check.details == {
        "field": "crediting_end",
        "methodology": "SZ-PV",
        "start": "2023-03-01",
        "end": "2033-03-01",
        "years": "10",
        "latest": "2033-02-28",
    }
    assert "2033-02-28" in check.message_zh and "10 years" in check.message_en


def test_a_registration_that_moves_the_start_is_a_first_period(pv: Methodology) -> None:
    before = gd_project(crediting_start=date(2020, 3, 1), crediting_end=date(2033, 2, 28))
    # Stored with another start: the new period is judged on its own.
    assert crediting_checks(pv, START, date(2033, 2, 28), before) == ()
    (check,) = crediting_checks(pv, START, date(2036, 2, 28), before)
    assert check.code == TOO_LONG


def test_a_renewal_adds_one_period_at_a_time_up_to_the_renewals(pv: Methodology) -> None:
    assert codes(pv, date(2037, 2, 28), previous_end=date(2030, 2, 28)) == []
    assert codes(pv, date(2044, 2, 28), previous_end=date(2037, 2, 28)) == []
    # Two periods at once.
    assert codes(pv, date(2044, 2, 28), previous_end=date(2030, 2, 28)) == [RENEWAL_NOT_ALLOWED]
    # A third renewal: 21 years is the most.
    assert codes(pv, date(2044, 3, 1), previous_end=date(2044, 2, 28)) == [RENEWAL_NOT_ALLOWED]


def test_a_refused_renewal_names_the_latest_end(pv: Methodology) -> None:
    before = gd_project(crediting_end=date(2030, 2, 28))
    (check,) = crediting_checks(pv, START, date(2045, 1, 1), before)
    assert check.details["previous_end"] == "2030-02-28"
    assert check.details["latest"] == "2037-02-28"
    assert check.details["longest_years"] == "21"
    assert check.severity.value == "ERROR"


def test_a_ten_year_period_may_only_be_extended_within_twenty_one_years(
    pv: Methodology,
) -> None:
    # Ten years lies in the second seven-year period: one more is the third.
    assert codes(pv, date(2044, 2, 28), previous_end=date(2033, 2, 28)) == []
    assert codes(pv, date(2044, 3, 1), previous_end=date(2033, 2, 28)) == [RENEWAL_NOT_ALLOWED]


def test_keeping_or_shortening_the_end_is_no_renewal(pv: Methodology) -> None:
    assert codes(pv, date(2033, 2, 28), previous_end=date(2033, 2, 28)) == []
    assert codes(pv, date(2026, 2, 28), previous_end=date(2033, 2, 28)) == []


def test_forest_renewals_reach_sixty_years(forest: Methodology) -> None:
    assert codes(forest, date(2063, 2, 28), previous_end=date(2043, 2, 28)) == []
    assert codes(forest, date(2083, 2, 28), previous_end=date(2063, 2, 28)) == []
    assert codes(forest, date(2083, 3, 1), previous_end=date(2063, 2, 28)) == [RENEWAL_NOT_ALLOWED]


def test_nothing_is_checked_without_a_methodology_or_with_an_inverted_period(
    pv: Methodology,
) -> None:
    assert crediting_checks(None, START, date(2099, 1, 1), None) == ()
    assert crediting_checks(pv, START, date(2020, 1, 1), None) == ()
