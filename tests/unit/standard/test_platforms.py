"""Agreements name the platforms that report personal behaviour: checked on load."""

from __future__ import annotations

from pathlib import Path

from hub.domain.credit_codes import check_character
from hub.standard import Standard, load_standard
from tests.unit.standard.standard_copies import edit, refused


def test_partners_with_personal_methodologies_have_a_sourced_default_platform(
    standard: Standard,
) -> None:
    defaults = {}
    for partner in standard.partners():
        agreement = standard.agreement(partner)
        assert agreement is not None
        for platform in agreement.platforms:
            assert platform.source and platform.operator_name and platform.operator_id
        default = agreement.default_platform
        defaults[partner] = default.id if default else None
    assert defaults == {"451200": None, "CN-GD": "GD-PHCER", "CN-HK": "MTR", "CN-MO": "DSPA"}
    macao = standard.agreement("CN-MO")
    assert macao is not None
    assert [p.id for p in macao.platforms] == ["DSPA", "MACAUPASS", "CEM"]
    assert macao.platform("MACAUPASS") is not None and macao.platform("Octopus") is None


def test_a_personal_partner_without_a_default_platform_is_refused(copy: Path) -> None:
    edit(copy / "agreements" / "CN-HK.yaml", "    default: true\n", "")
    error = refused(copy)
    assert (error.file, error.location) == ("standards/agreements/CN-HK.yaml", "platforms")
    assert "needs a default platform" in error.reason


def test_two_defaults_or_a_repeated_platform_are_refused(copy: Path) -> None:
    agreement = copy / "agreements" / "CN-MO.yaml"
    second = "    operator_id: HUB-OP-CN-MO-0002\n"
    edit(agreement, second, second + "    default: true\n")
    assert "more than one default platform: DSPA, MACAUPASS" in refused(copy).reason
    edit(agreement, "    default: true\n", "")
    edit(agreement, "  - id: MACAUPASS", "  - id: DSPA")
    error = refused(copy)
    assert error.location == "platforms[1].id"


def test_a_unified_social_credit_code_is_checked(copy: Path) -> None:
    agreement = copy / "agreements" / "CN-GD.yaml"
    body = "91440101MA5CKM3B5"
    valid = body + check_character(body)
    wrong = body + ("0" if valid[-1] != "0" else "1")
    edit(
        agreement,
        "    operator_id: HUB-OP-CN-GD-0001\n    operator_id_scheme: hub\n",
        f"    operator_id: {wrong}\n    operator_id_scheme: uscc\n",
    )
    error = refused(copy)
    assert (error.location, error.reason) == (
        "platforms[0].operator_id",
        "not a valid unified social credit code",
    )
    edit(agreement, wrong, valid)
    loaded = load_standard(copy).agreement("CN-GD")
    assert loaded is not None and loaded.platforms[0].operator_id == valid


def test_a_platform_id_outside_the_pattern_is_refused(copy: Path) -> None:
    edit(copy / "agreements" / "CN-HK.yaml", "  - id: EPD", "  - id: E P D")
    assert refused(copy).location.startswith("platforms")
