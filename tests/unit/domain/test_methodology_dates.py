"""A methodology applies by the activity's dates, not by the day the claim arrives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import decide
from hub.domain.methodology_dates import effectiveness_checks
from hub.domain.periods import Period
from hub.standard import Standard
from tests.unit.domain.domain_builders import NOW, gd_bus_claim, gd_project, gd_pv_claim

SHANGHAI = ZoneInfo("Asia/Shanghai")


def household_claim(start: str, end: str) -> ClaimSubmission:
    # Guangdong's air-conditioner savings map to the Shenzhen household-electricity methodology.
    return gd_bus_claim(
        partner_methodology="GD-AC",
        period_start=start,
        period_end=end,
        activity_quantity="40",
        activity_unit="kWh",
        reported_tco2e="0.02",
    )


def codes(standard: Standard, claim: ClaimSubmission) -> dict[str, dict[str, str]]:
    project = gd_project(crediting_start=date(2022, 1, 1))
    return {c.code: dict(c.details) for c in assess_claim(claim, standard, project, NOW).checks}


def test_household_saving_before_2022_06_21_is_not_covered_even_when_assessed_later(
    standard: Standard,
) -> None:
    # Assessed in 2026, long after the methodology came into force: the
    # activity of 1-20 June 2022 still precedes it.
    before = assess_claim(household_claim("2022-06-01", "2022-06-20"), standard, None, NOW)
    found = {c.code: dict(c.details) for c in before.checks}
    assert found["METHODOLOGY_NOT_EFFECTIVE"]["reason"] == (
        "in force from 2022-06-21; the activity starts 2022-06-01"
    )
    assert found["METHODOLOGY_NOT_EFFECTIVE"]["field"] == "period_start"
    assert decide(before.checks) is Decision.REJECTED
    on_the_day = assess_claim(household_claim("2022-06-21", "2022-06-30"), standard, None, NOW)
    assert "METHODOLOGY_NOT_EFFECTIVE" not in {c.code for c in on_the_day.checks}
    assert decide(on_the_day.checks) is Decision.ACCEPTED


def test_pv_before_2025_05_06_is_credited_only_under_the_hubs_stated_rule(
    standard: Standard,
) -> None:
    found = codes(standard, gd_pv_claim(period_start="2025-04-01", period_end="2025-04-30"))
    assert "METHODOLOGY_NOT_EFFECTIVE" not in found
    info = found["METHODOLOGY_APPLIED_BEFORE_IN_FORCE"]
    assert (info["effective_from"], info["activity_from"], info["credits_from"]) == (
        "2025-05-06",
        "2025-04-01",
        "2022-01-01",
    )
    assert info["provisional"] == "true"
    # From the day it came into force the methodology applies by itself.
    later = codes(standard, gd_pv_claim(period_start="2025-05-06", period_end="2025-05-31"))
    assert "METHODOLOGY_APPLIED_BEFORE_IN_FORCE" not in later


def test_pv_before_the_hubs_rule_starts_is_not_effective(standard: Standard) -> None:
    found = codes(standard, gd_pv_claim(period_start="2021-12-01", period_end="2021-12-31"))
    assert found["METHODOLOGY_NOT_EFFECTIVE"]["reason"] == (
        "in force from 2025-05-06; the activity starts 2021-12-01"
    )
    assert "METHODOLOGY_APPLIED_BEFORE_IN_FORCE" not in found


def test_activity_after_withdrawal_is_not_covered(standard: Standard) -> None:
    pv = standard.methodology("SZ-PV")
    assert pv is not None
    withdrawn = replace(pv, effective_to=date(2025, 12, 31))
    start = datetime(2025, 12, 1, tzinfo=SHANGHAI)
    period = Period.of(start, datetime(2026, 1, 1, 0, 1, tzinfo=SHANGHAI), SHANGHAI)
    (check,) = effectiveness_checks(withdrawn, period)
    assert check.code == "METHODOLOGY_NOT_EFFECTIVE" and check.details["field"] == "period_end"
    assert check.details["reason"] == "withdrawn after 2025-12-31; the activity runs to 2026-01-01"
    inside = Period.of(start, datetime(2026, 1, 1, tzinfo=SHANGHAI), SHANGHAI)
    assert effectiveness_checks(withdrawn, inside) == ()


def test_published_effective_dates(standard: Standard) -> None:
    pv, household = standard.methodology("SZ-PV"), standard.methodology("SZ-RES-ELEC")
    assert pv is not None and household is not None
    assert pv.effective_from == date(2025, 5, 6)
    assert household.effective_from == date(2022, 6, 21)
    assert household.credits_activity_from is None  # no rule credits earlier household savings
