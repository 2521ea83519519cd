"""Claims and projects for partner CN-GD that the real standard accepts as they are."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from carbonhub_contract.vocabulary.records import ClaimSubmission, ProjectSubmission
from hub.domain.credit_codes import check_character
from tests.unit.domain.domain_builders import gd_project_submission

PARTNER = "CN-GD"
PROJECT_ID = "4401-PV-2023-0007"
_CREDIT_BODY = "91440112MA59C1234"
CREDIT_CODE = _CREDIT_BODY + check_character(_CREDIT_BODY)


def pseudonym(name: str) -> str:
    """A well-formed 64-hex pseudonym, one per person name."""
    return hashlib.sha256(name.encode()).hexdigest()


PERSON_A = pseudonym("person-a")
PERSON_B = pseudonym("person-b")
PERSON_C = pseudonym("person-c")


def metro(record_id: str, **changes: Any) -> ClaimSubmission:
    """A month of metro rides of one person (personal basis)."""
    claim = ClaimSubmission(
        partner=PARTNER,
        delivery_id="GD-20241031-01",
        record_id=record_id,
        partner_methodology="GD-METRO",
        period_start="2024-10-01",
        period_end="2024-10-31",
        time_zone="Asia/Shanghai",
        activity_quantity="300",
        activity_unit="pkm",
        person_pseudonym=PERSON_A,
    )
    return replace(claim, **changes)


def pv(record_id: str, start: str, end: str, **changes: Any) -> ClaimSubmission:
    """Generation of the registered PV project over [start, end] (dates inclusive)."""
    claim = ClaimSubmission(
        partner=PARTNER,
        delivery_id="GD-20250731-01",
        record_id=record_id,
        partner_methodology="GD-PV",
        period_start=start,
        period_end=end,
        time_zone="Asia/Shanghai",
        activity_quantity="9000",
        activity_unit="kWh",
        project_id=PROJECT_ID,
        region_code="440100",
    )
    return replace(claim, **changes)


def pv_project(**changes: Any) -> ProjectSubmission:
    """The domain tests' Guangdong PV project, with this module's credit code."""
    return gd_project_submission(**{"owner_credit_code": CREDIT_CODE, **changes})
