"""Project owners in Hong Kong and Macao are named by their own registries' numbers."""

from __future__ import annotations

import pytest

from hub.domain.owner_ids import OwnerIdScheme, is_valid, scheme_of
from hub.domain.project_assessment import assess_project
from hub.standard import Standard
from tests.unit.domain.domain_builders import VALID_CREDIT_CODE, gd_project_submission

HK, MO, USCC = OwnerIdScheme.HK_BR, OwnerIdScheme.MO_REGISTRY, OwnerIdScheme.USCC


@pytest.mark.parametrize("code", ["12345678", "07654321"])
def test_hong_kong_business_registration_numbers(code: str) -> None:
    assert is_valid(code, HK)


@pytest.mark.parametrize("code", ["1234567", "123456789", "1234567A", "12345678-000-01-24-5", ""])
def test_not_hong_kong_business_registration_numbers(code: str) -> None:
    assert not is_valid(code, HK)


@pytest.mark.parametrize("code", ["12345", "12345 (SO)", "12345(SO)", "7"])
def test_macao_registry_numbers(code: str) -> None:
    assert is_valid(code, MO)


@pytest.mark.parametrize("code", ["0", "012345", "1234567", "12345 (so)", "12345 SO", "(SO)"])
def test_not_macao_registry_numbers(code: str) -> None:
    assert not is_valid(code, MO)


def test_the_first_scheme_a_code_fits_names_it() -> None:
    assert scheme_of("12345678", (HK, USCC)) is HK
    assert scheme_of(VALID_CREDIT_CODE, (HK, USCC)) is USCC
    assert scheme_of("12345678", (USCC,)) is None


def owner_checks(standard: Standard, partner: str, code: str) -> dict[str, dict[str, str]]:
    submission = gd_project_submission(partner=partner, owner_credit_code=code)
    assessment = assess_project(submission, standard)
    return {
        c.code: dict(c.details)
        for c in assessment.checks
        if c.code in ("OWNER_ID_INVALID", "CREDIT_CODE_INVALID")
    }


def test_a_hong_kong_owner_registers_with_its_br_number(standard: Standard) -> None:
    assert owner_checks(standard, "CN-HK", "12345678") == {}
    assert owner_checks(standard, "CN-HK", VALID_CREDIT_CODE) == {}  # a mainland owner
    refused = owner_checks(standard, "CN-HK", "1234-5678")["OWNER_ID_INVALID"]
    assert refused["schemes"] == "hk-br, uscc" and refused["field"] == "owner_credit_code"


def test_a_macao_owner_registers_with_its_registry_number(standard: Standard) -> None:
    assert owner_checks(standard, "CN-MO", "12345 (SO)") == {}
    assert owner_checks(standard, "CN-MO", "12345678")["OWNER_ID_INVALID"]["schemes"] == (
        "mo-registry, uscc"
    )


def test_mainland_owners_still_need_a_unified_social_credit_code(standard: Standard) -> None:
    assert owner_checks(standard, "CN-GD", VALID_CREDIT_CODE) == {}
    assert owner_checks(standard, "CN-GD", "12345678") == {
        "CREDIT_CODE_INVALID": {"field": "owner_credit_code", "credit_code": "12345678"}
    }


def test_the_agreements_name_their_owners_schemes(standard: Standard) -> None:
    hk, mo, gd = (standard.agreement(p) for p in ("CN-HK", "CN-MO", "CN-GD"))
    assert hk is not None and mo is not None and gd is not None
    assert (hk.owner_id_schemes, mo.owner_id_schemes, gd.owner_id_schemes) == (
        [HK, USCC],
        [MO, USCC],
        [USCC],
    )
