"""assess_project: registering a partner project with the hub."""

from __future__ import annotations

from datetime import date

import pytest

from carbonhub_contract.vocabulary.records import PartnerProjectStatus
from hub.domain.project_assessment import ProjectAssessment, assess_project
from hub.standard import Standard
from tests.unit.domain.domain_builders import VALID_CREDIT_CODE, gd_project_submission


def codes(assessment: ProjectAssessment) -> list[str]:
    return [c.code for c in assessment.checks]


def test_a_good_project_is_registered(standard: Standard) -> None:
    a = assess_project(gd_project_submission(name="  屋顶光伏  "), standard)
    assert a.checks == ()
    project = a.project
    assert project is not None
    assert project.name == "屋顶光伏"
    assert (project.crediting_start, project.crediting_end) == (date(2023, 3, 1), date(2033, 2, 28))
    assert project.owner_credit_code == VALID_CREDIT_CODE
    assert project.active


def test_suspended_projects_register_but_are_not_active(standard: Standard) -> None:
    a = assess_project(gd_project_submission(status=PartnerProjectStatus.SUSPENDED), standard)
    assert a.project is not None and not a.project.active


def test_wrong_check_character_in_the_credit_code(standard: Standard) -> None:
    a = assess_project(gd_project_submission(owner_credit_code="914403001922038217"), standard)
    assert a.project is None
    (result,) = a.checks
    assert result.code == "CREDIT_CODE_INVALID"
    assert result.details == {"field": "owner_credit_code", "credit_code": "914403001922038217"}
    assert "914403001922038217" in result.message_zh


def test_pv_above_one_megawatt_is_refused(standard: Standard) -> None:
    a = assess_project(gd_project_submission(size_value="1000.5"), standard)
    assert codes(a) == ["PROJECT_SIZE_EXCEEDS_LIMIT"]
    ok = assess_project(gd_project_submission(size_value="1", size_unit="MW"), standard)
    assert ok.project is not None
    too_big = assess_project(gd_project_submission(size_value="1.01", size_unit="MW"), standard)
    assert codes(too_big) == ["PROJECT_SIZE_EXCEEDS_LIMIT"]


def test_size_unit_must_fit_the_methodology(standard: Standard) -> None:
    a = assess_project(gd_project_submission(size_unit="ha"), standard)
    assert codes(a) == ["PROJECT_SIZE_UNIT_INVALID"]
    forest = assess_project(
        gd_project_submission(
            partner_methodology="GD-FOREST-P",
            size_value="1500",
            size_unit="mu",
            region_code="441600",
        ),
        standard,
    )
    assert forest.project is not None
    bad = assess_project(gd_project_submission(size_value="-3"), standard)
    assert codes(bad) == ["PROJECT_SIZE_MALFORMED"]


def test_region_must_be_valid_and_inside_the_partner(standard: Standard) -> None:
    assert codes(assess_project(gd_project_submission(region_code="450100"), standard)) == [
        "SITE_OUTSIDE_PARTNER_REGION"
    ]
    assert codes(assess_project(gd_project_submission(region_code="44010X"), standard)) == [
        "REGION_CODE_INVALID"
    ]


def test_methodology_must_be_crosswalked_and_project_based(standard: Standard) -> None:
    assert codes(
        assess_project(gd_project_submission(partner_methodology="GD-HEATPUMP"), standard)
    ) == ["METHODOLOGY_NOT_IN_CROSSWALK"]
    assert "PROJECT_BASIS_MISMATCH" in codes(
        assess_project(gd_project_submission(partner_methodology="GD-BUS"), standard)
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2033-02-28", "2023-03-01", "crediting_end"),
        ("2023-02-30", "2033-02-28", "crediting_start"),
        ("01/03/2023", "2033-02-28", "crediting_start"),
    ],
)
def test_crediting_period_must_be_well_formed(
    standard: Standard, start: str, end: str, field: str
) -> None:
    a = assess_project(gd_project_submission(crediting_start=start, crediting_end=end), standard)
    assert codes(a) == ["CREDITING_PERIOD_MALFORMED"]
    assert a.checks[0].details["field"] == field
    assert a.project is None


def test_coordinates_must_be_on_earth(standard: Standard) -> None:
    a = assess_project(gd_project_submission(latitude="123.4"), standard)
    assert codes(a) == ["COORDINATES_INVALID"]
    assert a.checks[0].details["field"] == "latitude"


def test_missing_fields_and_unknown_partner_are_all_listed(standard: Standard) -> None:
    a = assess_project(
        gd_project_submission(partner="CN-XX", name=" ", owner_credit_code="", crediting_end=""),
        standard,
    )
    assert a.project is None
    missing = [c.details["field"] for c in a.checks if c.code == "PROJECT_FIELD_MISSING"]
    assert missing == ["name", "owner_credit_code", "crediting_end"]
    assert "PARTNER_NOT_RECOGNISED" in codes(a)
