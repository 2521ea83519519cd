"""Shared builders for the domain tests: the real standard and typical claims."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    PartnerProjectStatus,
    ProjectSubmission,
)
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PERSON = "2aa39031c1e1b0931992e90b9de2e45c3a207678c405b18cf88cf925b1a1ac1f"
# Real unified social credit codes whose check characters are correct.
VALID_CREDIT_CODE = "914403001922038216"
GD_PROJECT_ID = "4401-PV-2023-0007"


def gd_project(**changes: Any) -> Project:
    project = Project(
        partner="CN-GD",
        project_id=GD_PROJECT_ID,
        name="广州市黄埔区科学城厂房屋顶分布式光伏项目",
        owner_name="广州科城新能源有限公司",
        owner_credit_code=VALID_CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude="113.4526",
        latitude="23.1703",
        size_value="380",
        size_unit="kW",
        crediting_start=date(2023, 3, 1),
        crediting_end=date(2033, 2, 28),
        status=PartnerProjectStatus.REGISTERED,
        review_state=ProjectReviewState.APPROVED,
    )
    return replace(project, **changes)


def gd_pv_claim(**changes: Any) -> ClaimSubmission:
    claim = ClaimSubmission(
        partner="CN-GD",
        delivery_id="GD-20250731-01",
        record_id="GD2025R0001",
        partner_methodology="GD-PV",
        period_start="2025-06-01",
        period_end="2025-06-30",
        time_zone="Asia/Shanghai",
        activity_quantity="12000",
        activity_unit="kWh",
        project_id=GD_PROJECT_ID,
        region_code="440100",
    )
    return replace(claim, **changes)


def hk_green_claim(**changes: Any) -> ClaimSubmission:
    claim = ClaimSubmission(
        partner="CN-HK",
        delivery_id="HK-20241101-01",
        record_id="GRN-2410-000101",
        partner_methodology="GREEN$",
        period_start="2024-10-02",
        period_end="2024-10-02",
        time_zone="Asia/Hong_Kong",
        activity_quantity="3.2",
        activity_unit="kg",
        person_pseudonym=PERSON,
        site_id="GS-STN-007",
        district="Sha Tin",
        material="paper",
        adjustment_ref="HKAA-2024-004101",
    )
    return replace(claim, **changes)


def gd_bus_claim(**changes: Any) -> ClaimSubmission:
    claim = ClaimSubmission(
        partner="CN-GD",
        delivery_id="GD-20241031-01",
        record_id="GD2024B0001",
        partner_methodology="GD-BUS",
        period_start="2024-10-01",
        period_end="2024-10-31",
        time_zone="Asia/Shanghai",
        activity_quantity="300",
        activity_unit="pkm",
        person_pseudonym=PERSON,
    )
    return replace(claim, **changes)


def gd_project_submission(**changes: Any) -> ProjectSubmission:
    submission = ProjectSubmission(
        partner="CN-GD",
        project_id=GD_PROJECT_ID,
        name="广州市黄埔区科学城厂房屋顶分布式光伏项目",
        owner_name="广州科城新能源有限公司",
        owner_credit_code=VALID_CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude="113.4526",
        latitude="23.1703",
        size_value="380",
        size_unit="kW",
        crediting_start="2023-03-01",
        crediting_end="2033-02-28",
        status=PartnerProjectStatus.REGISTERED,
    )
    return replace(submission, **changes)
